#pragma once
// Move-only owner of a C library's handle, freed with Free (closedir, archive_read_free, ...): one
// idiom for every C resource instead of a deleter struct or a unique_ptr with a function pointer at
// each use. Fd (fd.hpp) is the same for file descriptors.
#include <utility>

namespace xbuild {

template <class T, auto Free>
class Handle {
  public:
    Handle() = default;
    explicit Handle(T* handle) : m_handle(handle) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) reset(std::exchange(other.m_handle, nullptr));
        return *this;
    }
    ~Handle() { reset(); }

    T* get() const { return m_handle; }
    explicit operator bool() const { return m_handle != nullptr; }
    T* release() { return std::exchange(m_handle, nullptr); }
    void reset(T* handle = nullptr) {
        if (m_handle) Free(m_handle);
        m_handle = handle;
    }

  private:
    T* m_handle = nullptr;
};

}  // namespace xbuild

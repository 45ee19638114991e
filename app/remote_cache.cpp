#include "app/remote_cache.hpp"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>

#include "app/registry_credentials.hpp"
#include "builder/archive/tree_archive.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/cache_repository.hpp"

namespace xbuild::app {

namespace {

namespace stdfs = std::filesystem;

class RegistryCache : public stage::RemoteCache {
  public:
    RegistryCache(const std::string& from, const std::string& to, stdfs::path work, Reporter reporter)
        : m_work(std::move(work)), m_reporter(std::move(reporter)) {
        auto open = [](const std::string& name) {
            return std::make_shared<oci::CacheRepository>(
                name, oci::PushOptions{false, registry_credentials(name)});
        };
        if (!from.empty()) m_from = open(from);
        if (!to.empty()) m_to = to == from ? m_from : open(to);
        fs::make_dirs(m_work);
    }

    bool pull(std::string_view kind, const std::string& key, const std::string& description,
              const stdfs::path& dir) const override {
        if (!m_from) return false;
        const auto start = std::chrono::steady_clock::now();
        fs::TempDir temp(m_work, "pull-");
        const stdfs::path file = temp.path() / "entry.tar.zst";
        try {
            if (!m_from->pull(kind, key, file)) {
                m_reporter.verbose(fmt::format("{} is not in {}", description, m_from->name()));
                return false;
            }
            archive::extract_tree_archive(file, dir);
        } catch (const Error& error) {
            m_reporter.info(fmt::format("warning: cache registry {}: {}; building it here", m_from->name(),
                                        error.what()));
            return false;
        }
        m_reporter.info(fmt::format("pulled {} from {} ({}, {})", description, m_from->name(),
                                    format_bytes(stdfs::file_size(file)),
                                    format_seconds(seconds_since(start))));
        if (m_to == m_from) remember(kind, key);
        return true;
    }

    void push(std::string_view kind, const std::string& key, const std::string& description,
              const stdfs::path& dir) const override {
        if (!m_to || known(kind, key)) return;
        if (m_to->has(kind, key)) {
            remember(kind, key);
            return;
        }
        const auto start = std::chrono::steady_clock::now();
        fs::TempDir temp(m_work, "push-");
        const stdfs::path file = temp.path() / "entry.tar.zst";
        archive::write_tree_archive(dir, file);
        m_to->push({std::string(kind), key, description}, file, m_reporter);
        remember(kind, key);
        m_reporter.info(fmt::format("pushed {} to {} ({}, {})", description, m_to->name(),
                                    format_bytes(stdfs::file_size(file)),
                                    format_seconds(seconds_since(start))));
    }

  private:
    bool known(std::string_view kind, const std::string& key) const {
        std::lock_guard lock(m_mutex);
        return m_present.count(oci::cache_tag(kind, key)) != 0;
    }
    void remember(std::string_view kind, const std::string& key) const {
        std::lock_guard lock(m_mutex);
        m_present.insert(oci::cache_tag(kind, key));
    }

    std::shared_ptr<oci::CacheRepository> m_from, m_to;
    stdfs::path m_work;
    Reporter m_reporter;
    mutable std::mutex m_mutex;
    mutable std::set<std::string> m_present;  // tags m_to has: pushed or seen by this run
};

}  // namespace

std::shared_ptr<const stage::RemoteCache> registry_cache(const Session& session, const Reporter& reporter) {
    std::string from = session.cache_from, to = session.cache_to;
    if (from.empty() && to.empty()) {
        const char* shared = std::getenv("XBUILD_CACHE_REGISTRY");
        if (!shared || !*shared) return nullptr;
        from = to = shared;
    }
    return std::make_shared<RegistryCache>(from, to, session.cache() / "work", reporter);
}

}  // namespace xbuild::app

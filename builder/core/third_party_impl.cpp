// The compiled parts of fmt and toml++, once for the whole program. Both libraries are used from
// their headers (no shared library to load at every sandbox entry), but only this file compiles
// their implementations: every other file sees declarations alone, which halves the build's time.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>

#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
// What libfmt's own library instantiates for char.
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
// fmt 10 (trixie, the build suite of xbuild's own prebuilds and cp312+ wheels) renamed the arguments' type.
#if FMT_VERSION >= 100000
template FMT_API void vformat_to(buffer<char>&, string_view, typename vformat_args<>::type, locale_ref);
#else
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>,
                                 locale_ref);
#endif
}  // namespace detail
FMT_END_NAMESPACE

#include <doctest/doctest.h>

#include <utility>

#include "builder/core/handle.hpp"

using namespace xbuild;

namespace {

int g_freed = 0;
int g_last = 0;
void free_int(int* value) {
    ++g_freed;
    g_last = *value;
}

}  // namespace

TEST_SUITE("handle") {
    TEST_CASE("a handle is freed once, by its last owner; release and reset hand it over") {
        int a = 1, b = 2, c = 3;
        g_freed = 0;
        {
            Handle<int, free_int> first(&a);
            Handle<int, free_int> second(std::move(first));
            CHECK_FALSE(first);
            CHECK(second.get() == &a);
            second = Handle<int, free_int>(&b);  // frees a
            CHECK(g_freed == 1);
            CHECK(g_last == 1);
            second.reset(&c);  // frees b
            CHECK(g_last == 2);
            CHECK(second.release() == &c);  // c is the caller's again
        }
        CHECK(g_freed == 2);
        Handle<int, free_int> none;
        CHECK_FALSE(none);
    }
}

// run_chains: every chain's first before the rest of it, at most `jobs` at once, failures stop what
// has not started, exceptions come back to the caller.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "builder/stage/parallel.hpp"

using namespace xbuild::stage;

TEST_SUITE("parallel build ids") {
    TEST_CASE("-j 1: the plan in order on the caller's thread; a failure stops it unless keep_going") {
        std::vector<std::size_t> order;
        const auto caller = std::this_thread::get_id();
        auto ran = run_chains({{0, 2}, {1, 3}}, 4, 1, false, [&](std::size_t i) {
            CHECK(std::this_thread::get_id() == caller);
            order.push_back(i);
            return i != 1;
        });
        CHECK(order == std::vector<std::size_t>{0, 1});
        CHECK(ran == std::vector<bool>{true, true, false, false});
        order.clear();
        ran = run_chains({{0, 2}, {1, 3}}, 4, 1, true, [&](std::size_t i) {
            order.push_back(i);
            return i != 1;
        });
        CHECK(order == std::vector<std::size_t>{0, 1, 2, 3});
    }

    TEST_CASE("-j 2: chains' firsts before their rest, two at a time, all of them run") {
        std::mutex mutex;
        std::vector<std::size_t> started, finished;
        std::atomic<int> running{0}, most{0};
        const auto ran = run_chains({{0, 2, 4}, {1, 3, 5}}, 6, 2, false, [&](std::size_t i) {
            {
                std::lock_guard lock(mutex);
                // The rest of a chain starts after its first has finished.
                if (i >= 2) CHECK(std::find(finished.begin(), finished.end(), i % 2) != finished.end());
                started.push_back(i);
            }
            const int now = ++running;
            for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
            }
            // The chains' firsts wait (up to 5 s) for each other: two at once, however slow the machine.
            for (int waited = 0; i < 2 && most < 2 && waited < 5000; ++waited)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            --running;
            std::lock_guard lock(mutex);
            finished.push_back(i);
            return true;
        });
        CHECK(ran == std::vector<bool>(6, true));
        CHECK(finished.size() == 6);
        CHECK(most == 2);
    }

    TEST_CASE("-j 2: a failure starts nothing new; an exception is rethrown after the others finish") {
        std::atomic<int> calls{0};
        auto ran = run_chains({{0, 2, 4}, {1, 3, 5}}, 6, 2, false, [&](std::size_t i) {
            ++calls;
            return i != 0;
        });
        CHECK(ran[0]);
        CHECK_FALSE(ran[2]);  // chain 0's rest never started
        CHECK(calls <= 4);
        // The exception comes once the other build id, already running, has finished.
        std::atomic<bool> other_started{false}, other_finished{false};
        CHECK_THROWS_AS(run_chains({{0}, {1}}, 2, 2, true,
                                   [&](std::size_t i) -> bool {
                                       if (i == 0) {
                                           while (!other_started)
                                               std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                           throw std::runtime_error("interrupted");
                                       }
                                       other_started = true;
                                       std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                       other_finished = true;
                                       return true;
                                   }),
                        std::runtime_error);
        CHECK(other_finished);
    }
}

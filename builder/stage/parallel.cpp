#include "builder/stage/parallel.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace xbuild::stage {

unsigned effective_jobs(int requested) {
    if (requested > 0) return static_cast<unsigned>(requested);
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? cores : 1;
}

std::vector<bool> run_chains(const std::vector<std::vector<std::size_t>>& chains, std::size_t plan_size,
                             unsigned jobs, bool keep_going, const std::function<bool(std::size_t)>& run) {
    std::vector<bool> ran(plan_size, false);
    if (jobs <= 1) {  // one at a time, in plan order (which lists each chain's first before the rest)
        for (std::size_t index = 0; index < plan_size; ++index) {
            ran[index] = true;
            if (!run(index) && !keep_going) break;
        }
        return ran;
    }
    struct Item {
        std::size_t chain;
        std::size_t position;  // in the chain: 0 is its first
    };
    std::deque<Item> ready;
    for (std::size_t c = 0; c < chains.size(); ++c)
        if (!chains[c].empty()) ready.push_back({c, 0});
    std::mutex mutex;
    std::condition_variable changed;
    unsigned running = 0;
    bool stop = false;
    std::exception_ptr failure;

    auto worker = [&] {
        std::unique_lock lock(mutex);
        for (;;) {
            changed.wait(lock, [&] { return stop || !ready.empty() || running == 0; });
            if (stop || ready.empty()) {
                if (stop || running == 0) {
                    changed.notify_all();
                    return;
                }
                continue;
            }
            const Item item = ready.front();
            ready.pop_front();
            const std::size_t index = chains[item.chain][item.position];
            ++running;
            lock.unlock();
            bool ok = false;
            std::exception_ptr thrown;
            try {
                ok = run(index);
            } catch (...) {
                thrown = std::current_exception();
            }
            lock.lock();
            --running;
            ran[index] = true;
            if (thrown && !failure) failure = thrown;
            if (thrown || (!ok && !keep_going)) stop = true;
            // The first of a chain has finished: the rest of it may start, each on its own.
            if (!stop && item.position == 0)
                for (std::size_t p = 1; p < chains[item.chain].size(); ++p) ready.push_back({item.chain, p});
            changed.notify_all();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::min<std::size_t>(jobs, plan_size); ++t) pool.emplace_back(worker);
    for (std::thread& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
    return ran;
}

}  // namespace xbuild::stage

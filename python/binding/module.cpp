// The `xbuild._native` extension module: the use cases of app/ for Python, one function per command,
// as the CLI (cli/) calls them. The Python package (python/binding/xbuild/__init__.py) wraps these in
// the documented API and turns their JSON (the same as --json) into result objects.
//
// Each call runs its use case on a worker thread with the GIL released; the calling thread waits,
// taking the GIL every 100 ms to let Python run its signal handlers: a KeyboardInterrupt there
// interrupts the use case (builder/core/interrupt.hpp: the sandbox or host program being waited for
// is killed, temporary directories go as the stack unwinds) and is raised once the worker is done.
// Sandboxes are entered through the xbuild binary (`helper`): this process is multithreaded.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "app/doctor.hpp"
#include "app/image.hpp"
#include "app/inspect.hpp"
#include "app/prebuild.hpp"
#include "app/repair.hpp"
#include "app/session.hpp"
#include "app/wheels.hpp"
#include "builder/core/error.hpp"
#include "builder/core/interrupt.hpp"

namespace py = pybind11;

namespace {

using namespace xbuild;

// The settings every function takes (keyword arguments of the Python API).
// sandboxes: the use case enters sandboxes, which needs the xbuild binary.
app::Session make_session(const std::string& helper, const std::string& cache, const std::string& mirror,
                          bool verbose, bool quiet, bool sandboxes = true) {
    if (sandboxes && helper.empty())
        throw Error("the xbuild binary was not found: set XBUILD_BINARY to its path or put it on PATH");
    app::Session session;
    session.helper = helper;
    session.cache_dir = cache;
    session.mirror = mirror;
    session.verbosity = verbose ? Verbosity::verbose : quiet ? Verbosity::quiet : Verbosity::normal;
    app::use_helper_recipes(session);
    return session;
}

// Runs body(session) on a worker thread (see the top of the file); on_progress (a Python callable or
// None) gets each progress line, called with the GIL held.
template <class Body>
auto run(app::Session session, const py::object& on_progress, Body body) -> decltype(body(session)) {
    using Result = decltype(body(session));
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::optional<Result> result;
    std::exception_ptr failure;
    std::optional<py::error_already_set> callback_error;  // the first exception of on_progress

    if (!on_progress.is_none()) {
        session.progress = [&](const std::string& line) {
            py::gil_scoped_acquire gil;
            if (callback_error) return;
            try {
                on_progress(line);
            } catch (py::error_already_set& error) {
                callback_error.emplace(std::move(error));
                interrupt::request();
            }
        };
    }
    interrupt::clear();
    std::thread worker([&] {
        try {
            result.emplace(body(session));
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard lock(mutex);
        done = true;
        finished.notify_one();
    });
    std::optional<py::error_already_set> signal_error;  // what a signal handler raised
    for (;;) {
        {
            py::gil_scoped_release released;
            std::unique_lock lock(mutex);
            if (finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) break;
        }
        if (!signal_error && PyErr_CheckSignals() != 0) {
            // KeyboardInterrupt (or whatever the handler raised): stop the use case, raise it after.
            signal_error.emplace();
            interrupt::request();
        }
    }
    {
        py::gil_scoped_release released;
        worker.join();
    }
    interrupt::clear();
    if (signal_error) throw std::move(*signal_error);
    if (callback_error) throw std::move(*callback_error);
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
}

std::vector<std::string> strings(const std::optional<std::vector<std::string>>& list) {
    return list ? *list : std::vector<std::string>{};
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "xbuild's use cases (see the xbuild package for the API)";
    m.attr("__version__") = XBUILD_VERSION;
    static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
    py::register_exception_translator([](std::exception_ptr pointer) {
        try {
            if (pointer) std::rethrow_exception(pointer);
        } catch (const Error& e) {
            error(e.what());
        } catch (const interrupt::Interrupted&) {
            PyErr_SetString(PyExc_KeyboardInterrupt, "interrupted");
        }
    });

#define XBUILD_SESSION_ARGS                                                                       \
    py::arg("helper"), py::arg("cache") = "", py::arg("mirror") = "", py::arg("verbose") = false, \
                       py::arg("quiet") = false, py::arg("on_progress") = py::none()

    // Each returns the JSON of --json (and raises Error as the CLI exits non-zero, unless keep_going).
    m.def(
        "wheels",
        [](const std::string& source, std::optional<std::vector<std::string>> archs,
           std::optional<std::vector<std::string>> pythons, const std::string& manylinux, bool emulate,
           const std::string& output, bool keep_going, const std::string& only, int jobs,
           const std::string& helper, const std::string& cache, const std::string& mirror, bool verbose,
           bool quiet, const py::object& on_progress) {
            app::WheelsRequest request{
                source, strings(archs), strings(pythons), manylinux, emulate, output, keep_going, only, jobs};
            return run(make_session(helper, cache, mirror, verbose, quiet), on_progress,
                       [&](const app::Session& session) {
                           auto result = app::build_wheels(session, request);
                           if (!keep_going) result.check();
                           return result.json();
                       });
        },
        py::arg("source"), py::arg("archs") = py::none(), py::arg("pythons") = py::none(),
        py::arg("manylinux") = "", py::arg("emulate") = false, py::arg("output") = "wheelhouse",
        py::arg("keep_going") = false, py::arg("only") = "", py::arg("jobs") = 1, XBUILD_SESSION_ARGS);

    m.def(
        "prebuild",
        [](const std::string& source, std::optional<std::vector<std::string>> archs, const std::string& glibc,
           std::optional<std::vector<std::string>> test_suites, bool emulate, bool abi, bool strip,
           const std::string& output, bool keep_going, const std::string& helper, const std::string& cache,
           const std::string& mirror, bool verbose, bool quiet, const py::object& on_progress) {
            app::PrebuildRequest request{
                source, strings(archs), glibc, strings(test_suites), emulate, abi, strip, output, keep_going};
            return run(make_session(helper, cache, mirror, verbose, quiet), on_progress,
                       [&](const app::Session& session) {
                           auto result = app::build_prebuilds(session, request);
                           if (!keep_going) result.check();
                           return result.json();
                       });
        },
        py::arg("source"), py::arg("archs") = py::none(), py::arg("glibc") = "",
        py::arg("test_suites") = py::none(), py::arg("emulate") = false, py::arg("abi") = false,
        py::arg("strip") = false, py::arg("output") = "", py::arg("keep_going") = false, XBUILD_SESSION_ARGS);

    m.def(
        "image",
        [](const std::string& source, std::optional<std::vector<std::string>> archs, const std::string& tag,
           const std::string& output, bool docker_format, const std::string& layout, bool push,
           const std::string& helper, const std::string& cache, const std::string& mirror, bool verbose,
           bool quiet, const py::object& on_progress) {
            app::ImageRequest request{source, strings(archs), tag, output, docker_format, layout, push};
            return run(
                make_session(helper, cache, mirror, verbose, quiet), on_progress,
                [&](const app::Session& session) { return app::build_image(session, request).json(); });
        },
        py::arg("source"), py::arg("archs") = py::none(), py::arg("tag") = "", py::arg("output") = "",
        py::arg("docker_format") = false, py::arg("layout") = "", py::arg("push") = false,
        XBUILD_SESSION_ARGS);

    // The merged index's digest.
    m.def(
        "index_create",
        [](const std::string& target, std::vector<std::string> sources, const std::string& helper,
           const std::string& cache, const std::string& mirror, bool verbose, bool quiet,
           const py::object& on_progress) {
            app::IndexCreateRequest request{target, std::move(sources)};
            return run(make_session(helper, cache, mirror, verbose, quiet), on_progress,
                       [&](const app::Session& session) { return app::create_index(session, request); });
        },
        py::arg("target"), py::arg("sources"), XBUILD_SESSION_ARGS);

    // A list of dicts: wheel, policy, platform_tag, grafted [{soname, new_name, stage_path}].
    m.def(
        "repair",
        [](std::vector<std::string> wheels, const std::string& output, const std::string& plat,
           bool only_plat, bool strip, const std::string& suite,
           std::optional<std::vector<std::string>> packages, const std::string& helper,
           const std::string& cache, const std::string& mirror, bool verbose, bool quiet,
           const py::object& on_progress) {
            app::RepairRequest request{
                std::move(wheels), output, plat,
                only_plat,         strip,  suite.empty() ? app::default_suite() : suite,
                strings(packages)};
            auto results =
                run(make_session(helper, cache, mirror, verbose, quiet), on_progress,
                    [&](const app::Session& session) { return app::repair_wheels(session, request); });
            py::list list;
            for (const auto& result : results) {
                py::list grafted;
                for (const auto& graft : result.grafted)
                    grafted.append(py::dict(py::arg("soname") = graft.soname,
                                            py::arg("new_name") = graft.new_name,
                                            py::arg("stage_path") = graft.stage_path));
                list.append(
                    py::dict(py::arg("wheel") = result.wheel.string(), py::arg("policy") = result.policy,
                             py::arg("platform_tag") = result.platform_tag, py::arg("grafted") = grafted));
            }
            return list;
        },
        py::arg("wheels"), py::arg("output") = "wheelhouse", py::arg("plat") = "",
        py::arg("only_plat") = false, py::arg("strip") = false, py::arg("suite") = "",
        py::arg("packages") = py::none(), XBUILD_SESSION_ARGS);

    // The JSON of `xbuild inspect --json`.
    m.def(
        "inspect",
        [](const std::string& file, bool resolve, const std::string& suite,
           std::optional<std::vector<std::string>> packages, const std::string& helper,
           const std::string& cache, const std::string& mirror, bool verbose, bool quiet,
           const py::object& on_progress) {
            app::InspectRequest request{file, resolve, suite.empty() ? app::default_suite() : suite,
                                        strings(packages)};
            return run(make_session(helper, cache, mirror, verbose, quiet, resolve), on_progress,
                       [&](const app::Session& session) { return app::inspect_file(session, request).json; });
        },
        py::arg("file"), py::arg("resolve") = false, py::arg("suite") = "", py::arg("packages") = py::none(),
        XBUILD_SESSION_ARGS);

    // A list of dicts: status ("ok", "missing", "warning"), what, detail, fix.
    m.def(
        "doctor",
        [](std::optional<std::vector<std::string>> archs, const std::string& helper, const std::string& cache,
           const std::string& mirror, bool verbose, bool quiet, const py::object& on_progress) {
            auto checks =
                run(make_session(helper, cache, mirror, verbose, quiet, false), on_progress,
                    [&](const app::Session& session) { return app::doctor_checks(session, strings(archs)); });
            py::list list;
            for (const auto& check : checks)
                list.append(py::dict(py::arg("status") = doctor::status_name(check.status),
                                     py::arg("what") = check.what, py::arg("detail") = check.detail,
                                     py::arg("fix") = check.fix));
            return list;
        },
        py::arg("archs") = py::none(), XBUILD_SESSION_ARGS);
#undef XBUILD_SESSION_ARGS
}

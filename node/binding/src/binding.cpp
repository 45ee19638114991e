// The `xbuild` Node addon: the use cases of app/ for Node, one function per command, as the CLI (cli/)
// calls them. The package (node/binding/index.js) wraps these in the documented API and turns their
// JSON (the same as --json) into result objects.
//
// Each function takes a plain object of arguments (snake_case, as the Python module's keyword
// arguments) and a progress callback, and returns a Promise: the use case runs on a libuv worker thread,
// its progress lines are queued to the JavaScript thread (none is lost, all are delivered before the
// promise settles). interrupt() stops every running use case (builder/core/interrupt.hpp: the sandbox
// or host program being waited for is killed, temporary directories go as the stack unwinds), whose
// promise then rejects with an AbortError. Sandboxes are entered through the xbuild binary (`helper`):
// Node is multithreaded.
#include <napi.h>

#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/doctor.hpp"
#include "app/image.hpp"
#include "app/inspect.hpp"
#include "app/prebuild.hpp"
#include "app/repair.hpp"
#include "app/session.hpp"
#include "app/wheels.hpp"
#include "builder/core/error.hpp"
#include "builder/core/interrupt.hpp"

namespace {

using namespace xbuild;

// The settings every function takes (the API's common options). sandboxes: the use case enters
// sandboxes, which needs the xbuild binary.
struct SessionArgs {
    std::string helper, cache, mirror, recipes;
    bool verbose = false, quiet = false, sandboxes = true;
};

app::Session make_session(const SessionArgs& args) {
    if (args.sandboxes && args.helper.empty())
        throw Error("the xbuild binary was not found: set XBUILD_BINARY to its path or put it on PATH");
    app::Session session;
    session.helper = args.helper;
    session.cache_dir = args.cache;
    session.mirror = args.mirror;
    session.verbosity = args.verbose ? Verbosity::verbose : args.quiet ? Verbosity::quiet : Verbosity::normal;
    // The package keeps its recipes beside its prebuilds, not beside the binary (share/xbuild/recipes);
    // none given (an in-place build): the binary's own, as the Python module does. Always set, so an
    // earlier call's directory does not outlive an environment that no longer names one.
    app::use_recipes_dir(args.recipes);
    if (args.recipes.empty()) app::use_helper_recipes(session);
    return session;
}

// The first argument of every function, read strictly: index.js has checked the user's options, so a
// wrong type here is a bug of the package, reported as a TypeError rather than guessed at.
class Args {
  public:
    explicit Args(const Napi::CallbackInfo& info) : m_env(info.Env()) {
        if (!info[0].IsObject()) throw Napi::TypeError::New(m_env, "expected an object of arguments");
        m_object = info[0].As<Napi::Object>();
    }

    std::string string(const char* key, const std::string& fallback = "") const {
        Napi::Value value = get(key);
        if (value.IsUndefined() || value.IsNull()) return fallback;
        if (!value.IsString()) throw Napi::TypeError::New(m_env, std::string(key) + " must be a string");
        return value.As<Napi::String>().Utf8Value();
    }

    bool flag(const char* key) const {
        Napi::Value value = get(key);
        if (value.IsUndefined() || value.IsNull()) return false;
        if (!value.IsBoolean()) throw Napi::TypeError::New(m_env, std::string(key) + " must be a boolean");
        return value.As<Napi::Boolean>().Value();
    }

    // A non-negative integer (index.js checked it), fallback when absent.
    int count(const char* key, int fallback) const {
        Napi::Value value = get(key);
        if (value.IsUndefined() || value.IsNull()) return fallback;
        if (!value.IsNumber() || value.As<Napi::Number>().Int64Value() < 0 ||
            value.As<Napi::Number>().Int64Value() > 1024)
            throw Napi::TypeError::New(m_env, std::string(key) + " must be an integer from 0 to 1024");
        return value.As<Napi::Number>().Int32Value();
    }

    std::vector<std::string> strings(const char* key) const {
        Napi::Value value = get(key);
        std::vector<std::string> list;
        if (value.IsUndefined() || value.IsNull()) return list;
        const std::string error = std::string(key) + " must be an array of strings";
        if (!value.IsArray()) throw Napi::TypeError::New(m_env, error);
        auto array = value.As<Napi::Array>();
        for (uint32_t i = 0; i < array.Length(); ++i) {
            Napi::Value item = array.Get(i);
            if (!item.IsString()) throw Napi::TypeError::New(m_env, error);
            list.push_back(item.As<Napi::String>().Utf8Value());
        }
        return list;
    }

    SessionArgs session(bool sandboxes = true) const {
        return SessionArgs{string("helper"), string("cache"), string("mirror"), string("recipes"),
                           flag("verbose"),  flag("quiet"),   sandboxes};
    }

  private:
    Napi::Value get(const char* key) const { return m_object.Get(key); }

    Napi::Env m_env;
    Napi::Object m_object;
};

// How many use cases are running: interrupt() stops them all, and a request is forgotten only when a
// call starts with none running, so an abort is never lost to a call that started after it.
std::mutex running_mutex;
int running_calls = 0;

void call_started() {
    std::lock_guard lock(running_mutex);
    if (running_calls++ == 0) interrupt::clear();
}

void call_finished() {
    std::lock_guard lock(running_mutex);
    --running_calls;
}

// A use case's body: its result as the JSON string the promise resolves with.
using Body = std::function<std::string(const app::Session& session)>;

// One call: the use case on a worker thread, its progress lines to on_progress on the JavaScript thread,
// then the promise settled.
class UseCase : public Napi::AsyncProgressQueueWorker<std::string> {
  public:
    UseCase(Napi::Env env, const char* name, SessionArgs args, Napi::Value on_progress, Body body)
        : Napi::AsyncProgressQueueWorker<std::string>(env, name),
          m_deferred(Napi::Promise::Deferred::New(env)),
          m_args(std::move(args)),
          m_body(std::move(body)) {
        if (on_progress.IsFunction()) m_on_progress = Napi::Persistent(on_progress.As<Napi::Function>());
    }

    Napi::Promise promise() const { return m_deferred.Promise(); }

  protected:
    void Execute(const ExecutionProgress& progress) override {
        try {
            app::Session session = make_session(m_args);
            if (!m_on_progress.IsEmpty())
                session.progress = [&progress](const std::string& line) { progress.Send(&line, 1); };
            m_result = m_body(session);
        } catch (const interrupt::Interrupted& e) {
            m_interrupted = true;
            SetError(e.what());
        } catch (const std::exception& e) {
            SetError(e.what());
        } catch (...) {
            SetError("unknown error");
        }
        call_finished();
    }

    void OnProgress(const std::string* lines, size_t count) override {
        for (size_t i = 0; i < count; ++i) {
            if (m_callback_error) return;
            try {
                m_on_progress.Call({Napi::String::New(Env(), lines[i])});
            } catch (const Napi::Error& error) {
                // The callback's exception stops the use case (as the Python module does) and is what
                // the promise rejects with.
                m_callback_error.emplace(error);
                interrupt::request();
            }
        }
    }

    void OnOK() override {
        if (m_callback_error)
            m_deferred.Reject(m_callback_error->Value());
        else
            m_deferred.Resolve(Napi::String::New(Env(), m_result));
    }

    void OnError(const Napi::Error& error) override {
        if (m_callback_error) {
            m_deferred.Reject(m_callback_error->Value());
            return;
        }
        // The message alone, as the CLI prints it after "xbuild: error: "; code and name say what kind.
        Napi::Object rejection = Napi::Error::New(Env(), error.Message()).Value();
        if (m_interrupted) {
            rejection.Set("name", "AbortError");
            rejection.Set("code", "ABORT_ERR");
        } else {
            rejection.Set("code", "XBUILD_ERROR");
        }
        m_deferred.Reject(rejection);
    }

  private:
    Napi::Promise::Deferred m_deferred;
    SessionArgs m_args;
    Body m_body;
    Napi::FunctionReference m_on_progress;
    std::string m_result;
    bool m_interrupted = false;
    std::optional<Napi::Error> m_callback_error;  // the first exception of on_progress
};

Napi::Value start(const Napi::CallbackInfo& info, const char* name, SessionArgs args, Body body) {
    Napi::Value on_progress = info[1];
    if (!on_progress.IsUndefined() && !on_progress.IsNull() && !on_progress.IsFunction())
        throw Napi::TypeError::New(info.Env(), "onProgress must be a function");
    auto* use_case = new UseCase(info.Env(), name, std::move(args), on_progress, std::move(body));
    Napi::Promise promise = use_case->promise();
    call_started();
    use_case->Queue();  // deleted by node-addon-api once the promise is settled
    return promise;
}

// Each returns the JSON of --json (and rejects as the CLI exits non-zero, unless keep_going).

Napi::Value wheels(const Napi::CallbackInfo& info) {
    Args args(info);
    app::WheelsRequest request{
        args.string("source", "."), args.strings("archs"), args.strings("pythons"),
        args.string("manylinux"),   args.flag("emulate"),  args.string("output", "wheelhouse"),
        args.flag("keep_going"),    args.string("only"),   args.count("jobs", 1)};
    return start(info, "xbuild.wheels", args.session(), [request](const app::Session& session) {
        auto result = app::build_wheels(session, request);
        if (!request.keep_going) result.check();
        return result.json();
    });
}

Napi::Value prebuild(const Napi::CallbackInfo& info) {
    Args args(info);
    app::PrebuildRequest request{args.string("source", "."),  args.strings("archs"), args.string("glibc"),
                                 args.strings("test_suites"), args.flag("emulate"),  args.flag("abi"),
                                 args.flag("strip"),          args.string("output"), args.flag("keep_going")};
    return start(info, "xbuild.prebuild", args.session(), [request](const app::Session& session) {
        auto result = app::build_prebuilds(session, request);
        if (!request.keep_going) result.check();
        return result.json();
    });
}

Napi::Value image(const Napi::CallbackInfo& info) {
    Args args(info);
    app::ImageRequest request{args.string("source", "."), args.strings("archs"),      args.string("tag"),
                              args.string("output"),      args.flag("docker_format"), args.string("layout"),
                              args.flag("push")};
    return start(info, "xbuild.image", args.session(), [request](const app::Session& session) {
        return app::build_image(session, request).json();
    });
}

// A JSON string: the merged index's digest.
Napi::Value index_create(const Napi::CallbackInfo& info) {
    Args args(info);
    app::IndexCreateRequest request{args.string("target"), args.strings("sources")};
    return start(info, "xbuild.indexCreate", args.session(), [request](const app::Session& session) {
        return "\"" + app::create_index(session, request) + "\"";
    });
}

// A JSON array: wheel, policy, platform_tag, grafted [{soname, new_name, stage_path}].
Napi::Value repair(const Napi::CallbackInfo& info) {
    Args args(info);
    const std::string suite = args.string("suite");
    app::RepairRequest request{args.strings("wheels"),  args.string("output", "wheelhouse"),
                               args.string("plat"),     args.flag("only_plat"),
                               args.flag("strip"),      suite.empty() ? app::default_suite() : suite,
                               args.strings("packages")};
    return start(info, "xbuild.repair", args.session(), [request](const app::Session& session) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& result : app::repair_wheels(session, request)) {
            nlohmann::json grafted = nlohmann::json::array();
            for (const auto& graft : result.grafted)
                grafted.push_back({{"soname", graft.soname},
                                   {"new_name", graft.new_name},
                                   {"stage_path", graft.stage_path}});
            list.push_back({{"wheel", result.wheel.string()},
                            {"policy", result.policy},
                            {"platform_tag", result.platform_tag},
                            {"grafted", grafted}});
        }
        return list.dump(2);
    });
}

// The JSON of `xbuild inspect --json`; sandboxes only to resolve the needed libraries.
Napi::Value inspect(const Napi::CallbackInfo& info) {
    Args args(info);
    const std::string suite = args.string("suite");
    app::InspectRequest request{args.string("file"), args.flag("resolve"),
                                suite.empty() ? app::default_suite() : suite, args.strings("packages")};
    return start(info, "xbuild.inspect", args.session(request.resolve),
                 [request](const app::Session& session) { return app::inspect_file(session, request).json; });
}

// A JSON array: status ("ok", "missing", "warning"), what, detail, fix.
Napi::Value doctor(const Napi::CallbackInfo& info) {
    Args args(info);
    std::vector<std::string> archs = args.strings("archs");
    return start(info, "xbuild.doctor", args.session(false), [archs](const app::Session& session) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& check : app::doctor_checks(session, archs))
            list.push_back({{"status", doctor::status_name(check.status)},
                            {"what", check.what},
                            {"detail", check.detail},
                            {"fix", check.fix}});
        return list.dump(2);
    });
}

// For an AbortSignal: every running use case stops and rejects with an AbortError.
Napi::Value interrupt_calls(const Napi::CallbackInfo& info) {
    interrupt::request();
    return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("wheels", Napi::Function::New(env, wheels, "wheels"));
    exports.Set("prebuild", Napi::Function::New(env, prebuild, "prebuild"));
    exports.Set("image", Napi::Function::New(env, image, "image"));
    exports.Set("index_create", Napi::Function::New(env, index_create, "index_create"));
    exports.Set("repair", Napi::Function::New(env, repair, "repair"));
    exports.Set("inspect", Napi::Function::New(env, inspect, "inspect"));
    exports.Set("doctor", Napi::Function::New(env, doctor, "doctor"));
    exports.Set("interrupt", Napi::Function::New(env, interrupt_calls, "interrupt"));
    exports.Set("version", Napi::String::New(env, XBUILD_VERSION));
    return exports;
}

}  // namespace

NODE_API_MODULE(xbuild, Init)

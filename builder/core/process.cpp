#include "builder/core/process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/supervisor.hpp"

extern char** environ;

namespace xbuild::process {

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

int reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail("waitpid failed: {}", errno_text(errno));
    }
    return exit_code_of(status);
}

// The supervisor's exit code; on an interrupt (interrupt.hpp) the supervisor gets SIGTERM, kills
// everything the program started and is reaped, and Interrupted is thrown.
int wait_exit_code(pid_t pid) {
    const Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd && interrupt::wait_child(pidfd.get()) == interrupt::Wake::interrupted) {
        ::kill(pid, SIGTERM);
        reap(pid);
        throw interrupt::Interrupted();
    }
    return reap(pid);
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        bool overridden = false;
        for (const std::string& e : extra) {
            auto eq = e.find('=');
            if (text.substr(0, eq + 1) == std::string_view(e).substr(0, eq + 1)) overridden = true;
        }
        if (!overridden) env.emplace_back(text);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// Opened close-on-exec at 3 or above, so that it cannot be one of the stdio numbers it replaces.
Fd open_high(const std::filesystem::path& path, int flags) {
    Fd fd(::open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY, 0644));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    if (fd.get() < 3) {
        Fd high(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
        if (!high) fail("failed to open {}: {}", path.string(), errno_text(errno));
        return high;
    }
    return fd;
}

// Starts argv under a supervisor with the given stdio (-1: xbuild's) and returns the supervisor.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options, int stdin_fd, int stdout_fd,
            int stderr_fd) {
    if (argv.empty()) throw Error("internal error: empty command");
    auto program = find_program(argv[0]);
    if (!program) fail("'{}' was not found in PATH (run `xbuild doctor` to see what is missing)", argv[0]);
    const std::string path = program->string();
    auto args = c_strings(argv);
    const auto env = merged_environment(options.extra_env);
    auto envp = c_strings(env);
    const std::string lock_dir = options.lock_dir.string();
    SupervisedCommand command;
    command.program = path.c_str();
    command.argv = args.data();
    command.envp = envp.data();
    command.stdin_fd = stdin_fd;
    command.stdout_fd = stdout_fd;
    command.stderr_fd = stderr_fd;
    command.lock_dir = lock_dir.empty() ? nullptr : lock_dir.c_str();
    command.private_mounts = options.private_mounts && ::geteuid() == 0;
    return start_supervised(command);
}

}  // namespace

int exit_code_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

std::string read_to_end(int fd) {
    std::string output;
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        output.append(buffer, static_cast<size_t>(n));
    }
    return output;
}

std::optional<std::filesystem::path> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    return search_path(name, path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
}

std::optional<std::filesystem::path> search_path(const std::string& name, std::string_view path_list) {
    for (;;) {
        const auto colon = path_list.find(':');
        const std::string_view dir = path_list.substr(0, colon);
        std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : std::string(dir)) / name;
        struct stat st;
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (colon == std::string_view::npos) return std::nullopt;
        path_list.remove_prefix(colon + 1);
    }
}

Result run(const std::vector<std::string>& argv, const RunOptions& options) {
    if (options.log_file.empty()) return Result{wait_exit_code(spawn(argv, options, -1, -1, -1))};
    Fd log = open_high(options.log_file, O_WRONLY | O_CREAT | (options.append_log ? O_APPEND : O_TRUNC));
    Fd null = open_high("/dev/null", O_RDONLY);
    pid_t pid = spawn(argv, options, null.get(), log.get(), log.get());
    log.reset();
    null.reset();
    return Result{wait_exit_code(pid)};
}

std::string capture(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe failed: {}", errno_text(errno));
    Fd read_end(fds[0]), write_end(fds[1]);
    if (write_end.get() < 3) write_end = Fd(::fcntl(write_end.get(), F_DUPFD_CLOEXEC, 3));
    Fd null = open_high("/dev/null", O_RDONLY);
    pid_t pid = spawn(argv, {}, null.get(), write_end.get(), -1);
    write_end.reset();
    null.reset();
    std::string output = read_to_end(read_end.get());
    int code = wait_exit_code(pid);
    if (code != 0) fail("{} failed with exit code {}", quote_command(argv), code);
    return output;
}

std::string shell_quote(const std::string& word) {
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

std::string quote_command(const std::vector<std::string>& argv) {
    std::string text;
    for (const std::string& word : argv) {
        if (!text.empty()) text += ' ';
        bool plain = !word.empty() && word.find_first_of(" \t\n'\"\\$`;&|<>*?()[]{}") == std::string::npos;
        text += plain ? word : shell_quote(word);
    }
    return text;
}

std::string tail_lines(const std::filesystem::path& file, int n) {
    std::string text;
    try {
        text = fs::read_file(file);
    } catch (const Error&) {
        return {};
    }
    while (!text.empty() && text.back() == '\n') text.pop_back();
    size_t pos = text.size();
    for (int i = 0; i < n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
    return pos == std::string::npos ? text : text.substr(pos + 1);
}

}  // namespace xbuild::process

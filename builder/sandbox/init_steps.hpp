// Internal to builder/sandbox: the filesystem and network steps of the sandbox's init
// (helper.cpp runs them in order). Each step either succeeds or reports
// "sandbox: <step>: <reason>" on the error fd and ends the process (it runs in init, a
// child of xbuild, never in a host process).
#pragma once

#include <filesystem>
#include <string>

#include "builder/sandbox/spec.hpp"

namespace xbuild::sandbox {

// Where die() reports: the launcher's error pipe (-1: stderr).
void set_error_fd(int fd);
int error_fd();
[[noreturn]] void die(const std::string& step, const std::string& reason);
[[noreturn]] void die_errno(const std::string& step, const std::string& what);

void step_make_root_private();
// overlay(rootfs layers, upper on disk) on spec.scratch_dir/root; returns the new root.
std::filesystem::path step_overlay(const SandboxSpec& spec);
void step_binds(const SandboxSpec& spec, int root_fd);
// A fresh /proc with runc's read-only and masked paths.
void step_proc(int root_fd);
// tmpfs /dev (64k) with the host's null, zero, full, random, urandom and tty bound in, devpts, /dev/shm.
void step_dev(int root_fd, const Limits& limits);
void step_tmp(int root_fd, const Limits& limits);
void step_host_network_files(const SandboxSpec& spec, int root_fd);
void step_pivot_root(const std::filesystem::path& new_root);
void step_loopback();

}  // namespace xbuild::sandbox

'use strict'
// xbuild from Node: wheels, N-API prebuilds and OCI images for every CPU architecture.
//
// One function per command of the xbuild binary, over the same library (the addon, src/binding.cpp).
// Each returns a Promise: the work runs on a libuv worker thread, progress lines go to
// options.onProgress and to events ('progress'), a failure rejects with XbuildError and xbuild's
// one-line message, and options.signal stops the work (rejecting with an AbortError), leaving no
// partial output. An abort stops every call running in this process, not just the signal's own.
//
// The addon is loaded on first use: bin/xbuild.js (`npx xbuild`) needs binary() and recipesDir() alone.
const fs = require('fs')
const path = require('path')
const { EventEmitter } = require('events')

let addon
function native () {
  if (!addon) addon = require('node-gyp-build')(__dirname)
  return addon
}

// Only an ELF file counts on PATH: node_modules/.bin/xbuild is bin/xbuild.js, which would run itself.
function isExecutable (file, elf) {
  try {
    if (!fs.statSync(file).isFile()) return false
    fs.accessSync(file, fs.constants.X_OK)
    if (!elf) return true
    const magic = Buffer.alloc(4)
    const fd = fs.openSync(file, 'r')
    try {
      fs.readSync(fd, magic, 0, 4, 0)
    } finally {
      fs.closeSync(fd)
    }
    return magic.toString('latin1') === '\x7fELF'
  } catch {
    return false
  }
}

// The xbuild binary that enters the sandboxes (and is `npx xbuild`): $XBUILD_BINARY, this package's
// prebuild, an in-place build's, or PATH's; '' when there is none.
function binary () {
  if (process.env.XBUILD_BINARY) return process.env.XBUILD_BINARY
  for (const file of [
    path.join(__dirname, 'prebuilds', `linux-${process.arch}`, 'xbuild'),
    path.join(__dirname, 'build', 'Release', 'xbuild')
  ]) {
    if (isExecutable(file, false)) return file
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'xbuild'), true)) return path.join(dir, 'xbuild')
  }
  return ''
}

// The recipes the package ships (share/xbuild/recipes: the binary, under prebuilds/, does not find them
// beside itself); '' for the binary's own (an in-place build reads the source tree's).
function recipesDir () {
  if (process.env.XBUILD_RECIPES) return process.env.XBUILD_RECIPES
  const dir = path.join(__dirname, 'share', 'xbuild', 'recipes')
  return fs.existsSync(path.join(dir, 'stages.toml')) ? dir : ''
}

class XbuildError extends Error {
  constructor (message, options) {
    super(message, options)
    this.name = 'XbuildError'
    this.code = 'XBUILD_ERROR'
  }
}

// Every progress line of every call: emit('progress', line, command).
const events = new EventEmitter()

function abortError (signal) {
  const error = new Error('interrupted', { cause: signal.reason })
  error.name = 'AbortError'
  error.code = 'ABORT_ERR'
  return error
}

// Checkers of the options: the addon takes them as they are, so a mistake is a TypeError here.
function text (value, name) {
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

function count (value, name) {
  if (value === undefined || value === null) return undefined
  if (!Number.isInteger(value) || value < 0 || value > 1024) {
    throw new TypeError(`${name} must be an integer from 0 to 1024`)
  }
  return value
}

function flag (value, name) {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`)
  return value
}

// 'x64,arm64' or ['x64', 'arm64'].
function names (value, name) {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return value.split(',').map(part => part.trim()).filter(Boolean)
  if (Array.isArray(value) && value.every(part => typeof part === 'string')) return [...value]
  throw new TypeError(`${name} must be a string or an array of strings`)
}

function pathArgument (value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

const commonOptions = ['onProgress', 'signal', 'cache', 'mirror', 'verbose', 'quiet']

// options checked against what the command takes (as Python rejects an unknown keyword argument).
function optionsOf (options, command, accepted) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw new TypeError('options must be an object')
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key) && !commonOptions.includes(key)) {
      throw new TypeError(`${command}() has no option '${key}'`)
    }
  }
  return options
}

// Runs the addon's command with args (snake_case, as the Python module's keyword arguments) and the
// common options; resolves with its JSON text.
async function run (command, args, options) {
  const { onProgress, signal } = options
  if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
    throw new TypeError('onProgress must be a function')
  }
  if (signal !== undefined && signal !== null &&
      (typeof signal.addEventListener !== 'function' || typeof signal.aborted !== 'boolean')) {
    throw new TypeError('signal must be an AbortSignal')
  }
  Object.assign(args, {
    helper: binary(),
    recipes: recipesDir(),
    cache: text(options.cache, 'cache'),
    mirror: text(options.mirror, 'mirror'),
    verbose: flag(options.verbose, 'verbose'),
    quiet: flag(options.quiet, 'quiet')
  })
  if (signal && signal.aborted) throw abortError(signal)

  const addon = native()
  // Nobody listening: stderr, as the xbuild binary and the Python module print them.
  const progress = line => {
    events.emit('progress', line, command)
    if (onProgress) onProgress(line)
    else if (events.listenerCount('progress') === 0) process.stderr.write(`xbuild: ${line}\n`)
  }
  const abort = () => addon.interrupt()
  if (signal) signal.addEventListener('abort', abort, { once: true })
  try {
    return await addon[command](args, progress)
  } catch (error) {
    // xbuild's failures become XbuildError; an AbortError (or what onProgress threw) stays as it is.
    if (error && error.code === 'XBUILD_ERROR') throw new XbuildError(error.message)
    if (error && error.name === 'AbortError' && signal && signal.aborted) error.cause = signal.reason
    throw error
  } finally {
    if (signal) signal.removeEventListener('abort', abort)
  }
}

function outcome (item) {
  return {
    ok: item.ok ?? null,
    cached: item.cached ?? null,
    seconds: item.seconds ?? null,
    buildSeconds: item.build_seconds ?? null,
    testSeconds: item.test_seconds ?? null,
    log: item.log ?? null,
    error: item.error ?? null
  }
}

// Build, repair and test the project's wheels (`xbuild wheels`).
async function wheels (source = '.', options) {
  source = pathArgument(source, 'path')
  options = optionsOf(options, 'wheels',
    ['arch', 'python', 'manylinux', 'output', 'emulate', 'keepGoing', 'only', 'jobs'])
  const json = await run('wheels', {
    source,
    archs: names(options.arch, 'arch'),
    pythons: names(options.python, 'python'),
    manylinux: text(options.manylinux, 'manylinux'),
    output: text(options.output, 'output') || 'wheelhouse',
    emulate: flag(options.emulate, 'emulate'),
    keep_going: flag(options.keepGoing, 'keepGoing'),
    only: text(options.only, 'only'),
    jobs: count(options.jobs, 'jobs')
  }, options)
  return JSON.parse(json).map(item => ({
    buildId: item.build_id ?? null,
    wheel: item.wheel ?? null,
    tags: item.tags ?? [],
    ...outcome(item)
  }))
}

// Build and test a Node addon's prebuilds in node-gyp-build's layout (`xbuild prebuild`).
async function prebuild (source = '.', options) {
  source = pathArgument(source, 'path')
  options = optionsOf(options, 'prebuild',
    ['arch', 'glibc', 'testSuites', 'output', 'emulate', 'abi', 'strip', 'keepGoing'])
  const json = await run('prebuild', {
    source,
    archs: names(options.arch, 'arch'),
    glibc: text(options.glibc, 'glibc'),
    test_suites: names(options.testSuites, 'testSuites'),
    emulate: flag(options.emulate, 'emulate'),
    abi: flag(options.abi, 'abi'),
    strip: flag(options.strip, 'strip'),
    output: text(options.output, 'output'),
    keep_going: flag(options.keepGoing, 'keepGoing')
  }, options)
  return JSON.parse(json).map(item => ({
    arch: item.arch ?? null,
    prebuild: item.prebuild ?? null,
    grafted: item.grafted ?? [],
    executables: item.executables ?? [],
    glibcFloor: item.glibc_floor ?? null,
    ...outcome(item)
  }))
}

// Build a slim multi-arch OCI image (`xbuild image`); resolves with what --json prints.
async function image (source = '.', options) {
  source = pathArgument(source, 'path')
  options = optionsOf(options, 'image', ['arch', 'tag', 'output', 'dockerFormat', 'layout', 'push'])
  return JSON.parse(await run('image', {
    source,
    archs: names(options.arch, 'arch'),
    tag: text(options.tag, 'tag'),
    output: text(options.output, 'output'),
    docker_format: flag(options.dockerFormat, 'dockerFormat'),
    layout: text(options.layout, 'layout'),
    push: flag(options.push, 'push')
  }, options))
}

// Merge images pushed per platform into one index under target (`xbuild index create`); resolves
// with the index's digest.
async function indexCreate (target, sources, options) {
  target = pathArgument(target, 'target')
  if (!Array.isArray(sources)) throw new TypeError('sources must be an array of image references')
  sources = sources.map((source, i) => pathArgument(source, `sources[${i}]`))
  options = optionsOf(options, 'indexCreate', [])
  return JSON.parse(await run('index_create', { target, sources }, options))
}

// Graft external libraries into wheels and tag them honestly (`xbuild repair`).
async function repair (wheel, options) {
  const wheels = Array.isArray(wheel)
    ? wheel.map((file, i) => pathArgument(file, `wheel[${i}]`))
    : [pathArgument(wheel, 'wheel')]
  options = optionsOf(options, 'repair', ['output', 'plat', 'onlyPlat', 'strip', 'suite', 'packages'])
  const json = await run('repair', {
    wheels,
    output: text(options.output, 'output') || 'wheelhouse',
    plat: text(options.plat, 'plat'),
    only_plat: flag(options.onlyPlat, 'onlyPlat'),
    strip: flag(options.strip, 'strip'),
    suite: text(options.suite, 'suite'),
    packages: names(options.packages, 'packages')
  }, options)
  return JSON.parse(json).map(item => ({
    wheel: item.wheel ?? null,
    policy: item.policy ?? null,
    platformTag: item.platform_tag ?? null,
    grafted: (item.grafted ?? []).map(graft => ({
      soname: graft.soname ?? null,
      newName: graft.new_name ?? null,
      stagePath: graft.stage_path ?? null
    }))
  }))
}

// A wheel's or ELF file's arch, needed libraries and symbol versions (`xbuild inspect --json`).
async function inspect (file, options) {
  file = pathArgument(file, 'file')
  options = optionsOf(options, 'inspect', ['resolve', 'suite', 'packages'])
  return JSON.parse(await run('inspect', {
    file,
    resolve: flag(options.resolve, 'resolve'),
    suite: text(options.suite, 'suite'),
    packages: names(options.packages, 'packages')
  }, options))
}

// What this host has and lacks for each target arch (`xbuild doctor`), one object per check.
async function doctor (options) {
  options = optionsOf(options, 'doctor', ['arch'])
  const json = await run('doctor', { archs: names(options.arch, 'arch') }, options)
  return JSON.parse(json).map(item => ({
    status: item.status ?? null,
    what: item.what ?? null,
    detail: item.detail ?? null,
    fix: item.fix ?? null
  }))
}

module.exports = {
  wheels,
  prebuild,
  image,
  indexCreate,
  repair,
  inspect,
  doctor,
  events,
  XbuildError,
  binary,
  recipesDir
}
// The addon's version (package.json's is stamped to it when the package is packed).
Object.defineProperty(module.exports, 'version', { enumerable: true, get: () => native().version })
Object.defineProperty(module.exports, 'nativeVersion', { enumerable: true, get: () => native().version })

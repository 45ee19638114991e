#!/usr/bin/env node
'use strict'
// `npx xbuild`: the package's xbuild binary (index.js binary()) with this process's arguments, its
// terminal and the package's recipes; index.js is required without loading the addon.
const { spawn } = require('child_process')
const os = require('os')
const { binary, recipesDir } = require('../index.js')

const file = binary()
if (!file) {
  console.error(`xbuild: the xbuild binary was not found for linux-${process.arch}: set XBUILD_BINARY to its path`)
  process.exit(1)
}
const env = { ...process.env }
const recipes = recipesDir()
if (recipes && !env.XBUILD_RECIPES) env.XBUILD_RECIPES = recipes

const child = spawn(file, process.argv.slice(2), { stdio: 'inherit', env })
// A signal sent to this process alone (kill, a supervisor) reaches the binary too; the binary stops its
// sandboxes itself.
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
const forward = signal => child.kill(signal)
for (const signal of signals) process.on(signal, forward)

child.on('error', error => {
  console.error(`xbuild: cannot run ${file}: ${error.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  for (const name of signals) process.removeListener(name, forward)
  if (signal) {
    // Died by a signal: so does this process, for its parent's sake (a shell's 130 for Ctrl-C); the
    // exit code stands in should the signal be one Node ignores.
    process.exitCode = 128 + (os.constants.signals[signal] || 0)
    process.kill(process.pid, signal)
  } else {
    process.exit(code)
  }
})

'use strict'
// The addon for this platform: build/Release when built from source, else the matching
// prebuilds/<platform>-<arch>/*.node (node-gyp-build's rules).
module.exports = require('node-gyp-build')(__dirname)

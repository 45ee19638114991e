'use strict'
// The Node sample app: word statistics and a CRC-32 of its argument from the node-addon-api sample,
// loaded through node-gyp-build from the image's node_modules. Prints one line the tests check.
const s = require('xbuild-napi-sample')

const text = process.argv.slice(2).join(' ') || 'hello world'
if (s.compiledFor !== process.arch) throw new Error(`addon compiled for ${s.compiledFor}, running on ${process.arch}`)
const crc = s.crc32(Buffer.from(text)).toString(16).padStart(8, '0')
console.log(`node-app on ${process.arch}: top words ${JSON.stringify(s.topWords(text, 2))}, crc32 ${crc}, uid ${process.getuid()}`)

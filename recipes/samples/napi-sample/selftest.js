'use strict'
// Self-test run by xbuild in the target-arch runtime stage: node selftest.js
const assert = require('assert')
const s = require('./')

const text = "The cat and the hat. THE END, and the cat's hat!"
assert.deepStrictEqual({ ...s.wordCounts(text) }, { the: 4, cat: 1, and: 2, hat: 2, end: 1, "cat's": 1 })
assert.deepStrictEqual(s.topWords(text, 3), [['the', 4], ['and', 2], ['hat', 2]])
assert.deepStrictEqual(s.topWords('', 5), [])
assert.strictEqual(s.crc32(Buffer.from('hello')), 0x3610a686)
assert.strictEqual(s.crc32(Buffer.alloc(0)), 0)

// C++ exceptions thrown in the addon arrive as JavaScript exceptions.
assert.throws(() => s.wordCounts(42), { name: 'TypeError', message: 'expected a string as argument 1' })
assert.throws(() => s.topWords(text, -1), { message: 'n must not be negative' })
assert.throws(() => s.crc32('not a buffer'), TypeError)

assert.strictEqual(s.compiledFor, process.arch, `addon compiled for ${s.compiledFor}, running on ${process.arch}`)
console.log(`napi-sample ok on ${process.arch} (node ${process.version}, ${s.compiler})`)

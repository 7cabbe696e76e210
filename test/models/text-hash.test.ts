/**
 * Text hashing, the one function training and scoring share: MurmurHash3 against its published
 * test vectors, the tokeniser, the word and character n-grams, counts, binary values and L2
 * normalisation, and option checking.
 */

import { describe, expect, it } from 'vitest'
import {
  DEFAULT_TEXT_HASH,
  hashString,
  hashText,
  murmurHash3,
  textGrams,
  textHashProblem,
  tokenize,
} from '../../src/models/text-hash.ts'

const words = { ...DEFAULT_TEXT_HASH, charNgrams: [0, 0] as const, l2Normalize: false }

describe('MurmurHash3 x86 32-bit', () => {
  it('matches the reference test vectors', () => {
    expect(murmurHash3(new Uint8Array(0), 0)).toBe(0)
    expect(murmurHash3(new Uint8Array(0), 1)).toBe(0x514e28b7)
    expect(murmurHash3(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39)
    expect(murmurHash3(Uint8Array.of(0, 0, 0, 0), 0)).toBe(0x2362f9de)
    expect(hashString('hello')).toBe(0x248bfa47)
    expect(hashString('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723)
  })

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    expect(hashString('ü')).toBe(murmurHash3(Uint8Array.of(0xc3, 0xbc)))
  })
})

describe('tokenisation and n-grams', () => {
  it('lower-cases, normalises and splits on anything but letters, digits and marks', () => {
    expect(tokenize('WIN a FREE iPhone!!! Call 0800-123 now, ok?')).toEqual([
      'win',
      'a',
      'free',
      'iphone',
      'call',
      '0800',
      '123',
      'now',
      'ok',
    ])
    expect(tokenize('Ｆｒｅｅ café')).toEqual(['free', 'café'])
    expect(tokenize('Keep Case', false)).toEqual(['Keep', 'Case'])
  })

  it('yields word n-grams and padded character n-grams with their prefixes', () => {
    expect(textGrams('Free prize now', { ...words, wordNgrams: [1, 2] })).toEqual([
      'w:free',
      'w:prize',
      'w:now',
      'w:free prize',
      'w:prize now',
    ])
    expect(textGrams('ab', { ...words, wordNgrams: [0, 0], charNgrams: [2, 3] })).toEqual([
      'c:<a',
      'c:ab',
      'c:b>',
      'c:<ab',
      'c:ab>',
    ])
  })

  it('counts repeated grams, or marks them once with binary, then L2-normalises', () => {
    const options = { ...words, wordNgrams: [1, 1] as const, buckets: 1 << 20 }
    const counted = hashText('spam spam eggs', options)
    const spam = hashString('w:spam') % options.buckets
    const eggs = hashString('w:eggs') % options.buckets
    expect([...counted.index]).toEqual([spam, eggs].sort((a, b) => a - b))
    expect(counted.value[counted.index.indexOf(spam)]).toBe(2)
    const binary = hashText('spam spam eggs', { ...options, binary: true })
    expect([...binary.value]).toEqual([1, 1])
    const normal = hashText('spam spam eggs', { ...options, l2Normalize: true })
    expect(normal.value[normal.index.indexOf(spam)]).toBeCloseTo(2 / Math.sqrt(5), 15)
    expect(hashText('', options).index.length).toBe(0)
  })

  it('reports bad options', () => {
    expect(textHashProblem(DEFAULT_TEXT_HASH)).toBeUndefined()
    expect(textHashProblem({ ...DEFAULT_TEXT_HASH, buckets: 0 })).toMatch(/buckets/)
    expect(textHashProblem({ ...DEFAULT_TEXT_HASH, wordNgrams: [2, 1] })).toMatch(/word_ngrams/)
    expect(textHashProblem({ ...DEFAULT_TEXT_HASH, wordNgrams: [0, 0], charNgrams: [0, 0] })).toMatch(
      /both off/,
    )
  })
})

#ifndef PDL_TESTS_LEDGER_MERKLE_REFERENCE_H_
#define PDL_TESTS_LEDGER_MERKLE_REFERENCE_H_

// The oracle: RFC 9162 §2.1 MTH, PATH and PROOF written as the RFC states them, recursively over the whole list of
// leaves, sharing nothing with ledger/merkle but the two hash functions. Slow (O(n) hashes per call) and obviously
// right, which is its job. Only tests and fuzzers use it.

#include <cstdint>
#include <span>
#include <vector>

#include "ledger/merkle/hasher.h"

namespace pdl::merkle::reference {

// The largest power of two smaller than n. Requires n > 1.
inline uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[n]), with D given by its leaf hashes (so MTH({d}) = the leaf hash of d).
inline Hash Mth(std::span<const Hash> d) {
  if (d.empty()) return EmptyRoot();
  if (d.size() == 1) return d[0];
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  return NodeHash(Mth(d.first(k)), Mth(d.subspan(k)));
}

// PATH(m, D[n]). Requires m < n.
inline std::vector<Hash> Path(uint64_t m, std::span<const Hash> d) {
  if (d.size() <= 1) return {};
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> path;
  if (m < k) {
    path = Path(m, d.first(k));
    path.push_back(Mth(d.subspan(k)));
  } else {
    path = Path(m - k, d.subspan(k));
    path.push_back(Mth(d.first(k)));
  }
  return path;
}

// SUBPROOF(m, D[n], b).
inline std::vector<Hash> Subproof(uint64_t m, std::span<const Hash> d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {Mth(d)};
  }
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> proof;
  if (m <= k) {
    proof = Subproof(m, d.first(k), b);
    proof.push_back(Mth(d.subspan(k)));
  } else {
    proof = Subproof(m - k, d.subspan(k), false);
    proof.push_back(Mth(d.first(k)));
  }
  return proof;
}

// PROOF(m, D[n]) for 0 < m < n; empty for m == 0 or m == n (the RFC defines no proof there; nothing needs proving).
inline std::vector<Hash> Proof(uint64_t m, std::span<const Hash> d) {
  if (m == 0 || m == d.size()) return {};
  return Subproof(m, d, true);
}

}  // namespace pdl::merkle::reference

#endif  // PDL_TESTS_LEDGER_MERKLE_REFERENCE_H_

// Evidence bundles come from outside (a regulator checks what it was handed): verifying arbitrary bytes must never
// crash, every refusal is INVALID_ARGUMENT, FAILED_PRECONDITION or DATA_LOSS, and the only text that verifies is
// the bundle exactly as written (any change is detected).

#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/event_codec.h"
#include "ledger/evidence/bundle.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "tests/fuzz/fuzz_driver.h"
#include "tests/testing/event_builder.h"

namespace {

// A fixed key, so that corpus files replay across runs.
constexpr char kSignerKey[] = "PRIVATE+KEY+pdl.fuzz/ledger+72be3327+Acodep92PBpevlEzUE9uJX3V2HR4h0xfNCbgDK1pjotP";

struct Fixture {
  std::optional<pdl::checkpoint::NoteSigner> signer;
  std::string bundle;
};

// A bundle of subject "s1" with records in two partitions (of 4 and 3 leaves).
const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    auto signer = pdl::checkpoint::NoteSigner::FromKey(kSignerKey);
    if (!signer.ok()) std::abort();
    f->signer.emplace(*signer);
    pdl::evidence::Bundle bundle{.subject_id = "s1", .verifier_key = signer->Verifier().Key()};
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    for (uint32_t partition : {2u, 5u}) {
      pdl::merkle::MemoryNodeSource tree;
      std::vector<std::string> records;
      for (uint64_t seq = 0; seq < 5 - partition / 2; ++seq) {
        auto event = seq % 2 == 0 ? pdl::testing::Transferred(absl::StrCat("e", partition, seq), "s1", t0)
                                  : pdl::testing::Shared(absl::StrCat("e", partition, seq), "other", t0);
        records.push_back(pdl::SealRecord({.partition = partition,
                                           .seq = seq,
                                           .kafka_offset = static_cast<int64_t>(seq),
                                           .recorded_at = t0,
                                           .event_bytes = event.SerializeAsString(),
                                           .policy_version = "v1"}));
        if (!tree.AppendLeaf(pdl::merkle::LeafHash(records.back())).ok()) std::abort();
      }
      for (uint64_t seq = 0; seq < records.size(); seq += 2) {
        auto proof = pdl::merkle::InclusionProof(tree, seq, tree.size());
        if (!proof.ok()) std::abort();
        bundle.entries.push_back({partition, seq, records[seq], *proof});
      }
      auto note = pdl::checkpoint::SignCheckpoint(
          {.origin = absl::StrCat("pdl.fuzz/ledger/", partition), .size = tree.size(), .root_hash = tree.Root()},
          *f->signer);
      if (!note.ok()) std::abort();
      bundle.checkpoints.push_back({partition, *note});
    }
    auto text = pdl::evidence::WriteBundle(bundle);
    if (!text.ok()) std::abort();
    f->bundle = *text;
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& fixture = GetFixture();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto verified = pdl::evidence::VerifyBundle(text, fixture.signer->Verifier());
  if (verified.ok()) {
    if (text != fixture.bundle) std::abort();  // A changed bundle verified.
    return 0;
  }
  const absl::StatusCode code = verified.status().code();
  if (code != absl::StatusCode::kInvalidArgument && code != absl::StatusCode::kFailedPrecondition &&
      code != absl::StatusCode::kDataLoss) {
    std::abort();
  }
  return 0;
}

std::vector<std::string> PdlFuzzSeeds() {
  const std::string& bundle = GetFixture().bundle;
  return {bundle, bundle.substr(0, bundle.size() / 2), std::string(100, '[') + std::string(100, ']')};
}

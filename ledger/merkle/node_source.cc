#include "ledger/merkle/node_source.h"

namespace pdl::merkle {

absl::StatusOr<std::vector<Hash>> NodeSource::GetNodes(std::span<const NodeId> ids) const {
  std::vector<Hash> hashes;
  hashes.reserve(ids.size());
  for (const NodeId& id : ids) {
    absl::StatusOr<Hash> hash = GetNode(id.level, id.index);
    if (!hash.ok()) return hash.status();
    hashes.push_back(*hash);
  }
  return hashes;
}

}  // namespace pdl::merkle

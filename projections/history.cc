#include "projections/queries/internal/paging.h"
#include "projections/history.h"

#include <map>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "projections/keys.h"
#include "projections/page_token.h"
#include "projections/proofs.h"
#include "projections/store.h"
#include "projections/tree_store.h"

namespace pdl {
namespace {

uint64_t HistoryFingerprint(const pdl::v1::GetSubjectHistoryRequest& request) {
  pdl::v1::GetSubjectHistoryRequest params = request;
  params.clear_page_size();
  params.clear_page_token();
  return RequestFingerprint(absl::StrCat("GetSubjectHistory|", CanonicalBytes(params)));
}

}  // namespace

absl::StatusOr<pdl::v1::GetSubjectHistoryResponse> GetSubjectHistory(
    const Store& store, const pdl::v1::GetSubjectHistoryRequest& request) {
  if (request.subject_id().empty()) return InvalidField("subject_id", "required");
  if (request.page_size() < 0) {
    return InvalidField("page_size", absl::StrCat(request.page_size(), " is negative; want 0 (default ",
                                                  kDefaultPageSize, ") to ", kMaxPageSize));
  }
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);

  absl::flat_hash_set<int> actions;
  for (int i = 0; i < request.actions_size(); ++i) {
    const int action = request.actions(i);
    if (action == pdl::v1::EVENT_ACTION_UNSPECIFIED || !pdl::v1::EventAction_IsValid(action)) {
      return InvalidField(absl::StrCat("actions[", i, "]"), absl::StrCat(action, " is not an EventAction"));
    }
    actions.insert(action);
  }

  const std::string prefix = keys::TimelinePrefix(request.subject_id());
  std::string lower = prefix;
  std::string upper = keys::PrefixSuccessor(prefix);
  auto range = queries::ToMicrosRange(request.time_range());
  if (!range.ok()) return range.status();
  if (request.time_range().has_start_time()) keys::AppendI64(&lower, range->start);
  if (request.time_range().has_end_time()) {
    upper = prefix;
    keys::AppendI64(&upper, range->end);
  }

  const uint64_t fingerprint = HistoryFingerprint(request);
  std::string seek = lower;
  bool skip_equal = false;
  if (!request.page_token().empty()) {
    auto cursor = DecodePageToken(request.page_token(), fingerprint);
    if (!cursor.ok()) return cursor.status();
    if (cursor->resume_after < lower || cursor->resume_after.compare(0, prefix.size(), prefix) != 0) {
      return InvalidField("page_token", "page token does not belong to this subject");
    }
    seek = cursor->resume_after;
    skip_equal = true;
  }

  // Entries, heads and tree nodes all come from this one state of the store, so every proof matches its head.
  ScopedSnapshot scoped_snapshot(store);
  const rocksdb::Snapshot* snapshot = scoped_snapshot.get();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) read.iterate_upper_bound = &upper_slice;

  pdl::v1::GetSubjectHistoryResponse response;
  std::vector<std::string> log_keys;
  std::string last_key;
  bool more = false;
  {
    auto it = store.NewIterator(Cf::kSubjectTimeline, read);
    for (it->Seek(seek); it->Valid(); it->Next()) {
      rocksdb::Slice key = it->key();
      if (skip_equal && key == rocksdb::Slice(seek)) continue;
      if (!actions.empty()) {
        const int action = it->value().empty() ? 0 : static_cast<unsigned char>(it->value()[0]);
        if (!actions.contains(action)) continue;
      }
      if (static_cast<int>(log_keys.size()) == page_size) {
        more = true;
        break;
      }
      std::string_view rest(key.data() + prefix.size(), key.size() - prefix.size());
      int64_t occurred = 0;
      uint32_t partition = 0;
      uint64_t seq = 0;
      if (!keys::ConsumeI64(&rest, &occurred) || !keys::ConsumeU32(&rest, &partition) ||
          !keys::ConsumeU64(&rest, &seq)) {
        return absl::DataLossError("subject_timeline: malformed key");
      }
      log_keys.push_back(keys::LogKey(partition, seq));
      last_key = key.ToString();
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scanning subject_timeline");
  }

  std::vector<rocksdb::Slice> slices(log_keys.begin(), log_keys.end());
  std::vector<rocksdb::PinnableSlice> values(log_keys.size());
  std::vector<rocksdb::Status> statuses(log_keys.size());
  rocksdb::ReadOptions get_read;
  get_read.snapshot = snapshot;
  if (!slices.empty()) {
    store.db()->MultiGet(get_read, store.cf(Cf::kLog), slices.size(), slices.data(), values.data(),
                         statuses.data(), /*sorted_input=*/false);
  }

  std::map<uint32_t, pdl::v1::TreeHead> heads;
  for (size_t i = 0; i < log_keys.size(); ++i) {
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading log entry of the subject timeline");
    pdl::v1::SealedEvent sealed;
    if (!sealed.ParseFromArray(values[i].data(), static_cast<int>(values[i].size()))) {
      return absl::DataLossError("log: sealed record does not parse");
    }
    pdl::v1::HistoryEntry* entry = response.add_entries();
    entry->set_partition(sealed.partition());
    entry->set_seq(sealed.seq());
    entry->set_kafka_offset(sealed.kafka_offset());
    *entry->mutable_recorded_at() = sealed.recorded_at();
    if (!entry->mutable_event()->ParseFromString(sealed.event())) {
      return absl::DataLossError("log: sealed event bytes do not parse");
    }
    entry->set_policy_version(sealed.policy_version());
    *entry->mutable_findings() = sealed.findings();
    if (!request.with_proofs()) continue;

    auto head = heads.find(sealed.partition());
    if (head == heads.end()) {
      auto stored = ReadTreeHead(store, sealed.partition(), snapshot);
      if (!stored.ok()) return stored.status();
      if (!stored->has_value()) {
        return absl::DataLossError(
            absl::StrCat("heads: partition ", sealed.partition(), " has sealed records but no tree head"));
      }
      head = heads.emplace(sealed.partition(), std::move(**stored)).first;
    }
    if (sealed.seq() >= head->second.size()) {
      return absl::DataLossError(absl::StrCat("partition ", sealed.partition(), ": seq ", sealed.seq(),
                                              " is beyond the tree head size ", head->second.size()));
    }
    auto proof = InclusionProofAt(store, snapshot, sealed.partition(), sealed.seq(), head->second.size());
    if (!proof.ok()) return proof.status();
    entry->set_sealed_record(values[i].data(), values[i].size());
    entry->set_leaf_index(sealed.seq());
    for (const merkle::Hash& h : *proof) entry->add_inclusion_proof(std::string(merkle::HashBytes(h)));
  }
  for (const auto& [partition, head] : heads) *response.add_checkpoints() = CheckpointOf(partition, head);
  if (more) response.set_next_page_token(EncodePageToken(PageCursor{fingerprint, last_key}));
  return response;
}

absl::StatusOr<std::optional<pdl::v1::EventIdEntry>> LookupEventId(const Store& store, std::string_view event_id) {
  auto stored = store.Get(Cf::kEventIds, keys::EventIdKey(event_id));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  pdl::v1::EventIdEntry entry;
  if (!entry.ParseFromString(**stored)) return absl::DataLossError("event_ids: entry does not parse");
  return entry;
}

}  // namespace pdl

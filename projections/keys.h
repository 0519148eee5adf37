#ifndef PDL_PROJECTIONS_KEYS_H_
#define PDL_PROJECTIONS_KEYS_H_

// Order-preserving key codecs for the RocksDB column families. Byte-wise comparison of encoded keys equals the
// natural order of the decoded tuples, so every query is a prefix or range scan:
//  - unsigned integers: fixed-width big-endian;
//  - signed integers (times in microseconds): big-endian with the sign bit flipped;
//  - strings: escaped so that they sort correctly and can be followed by more fields: each 0x00 byte becomes
//    0x00 0xFF, and the string ends with 0x00 0x01. A string is never a prefix of another's encoding unless equal.
// Decoders consume from the front of a string_view and fail (return false) on malformed input. Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace pdl::keys {

void AppendU32(std::string* out, uint32_t v);
void AppendU64(std::string* out, uint64_t v);
void AppendI64(std::string* out, int64_t v);
void AppendString(std::string* out, std::string_view s);

[[nodiscard]] bool ConsumeU32(std::string_view* in, uint32_t* v);
[[nodiscard]] bool ConsumeU64(std::string_view* in, uint64_t* v);
[[nodiscard]] bool ConsumeI64(std::string_view* in, int64_t* v);
[[nodiscard]] bool ConsumeString(std::string_view* in, std::string* s);

// log: partition, seq -> SealedEvent bytes.
std::string LogKey(uint32_t partition, uint64_t seq);
// subject_timeline: subject, occurred_at (µs since epoch), partition, seq -> value (see projections/timeline).
std::string TimelineKey(std::string_view subject_id, int64_t occurred_micros, uint32_t partition, uint64_t seq);
// All timeline keys of one subject start with this.
std::string TimelinePrefix(std::string_view subject_id);
// event_ids: event_id -> EventIdEntry.
std::string EventIdKey(std::string_view event_id);
// offsets / heads: partition -> cursor.
std::string PartitionKey(uint32_t partition);

// The smallest string greater than every string that starts with `prefix` ("" when there is none).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace pdl::keys

#endif  // PDL_PROJECTIONS_KEYS_H_

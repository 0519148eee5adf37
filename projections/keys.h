#ifndef PDL_PROJECTIONS_KEYS_H_
#define PDL_PROJECTIONS_KEYS_H_

// Order-preserving key codecs for the RocksDB column families. Byte-wise comparison of encoded keys equals the
// natural order of the decoded tuples (lexicographic, field by field), so every query is a prefix or range scan:
//  - unsigned integers: fixed-width big-endian (4 or 8 bytes);
//  - signed integers (times in microseconds): 8 bytes big-endian with the sign bit flipped;
//  - strings (any bytes, 0x00 included): escaped so that they sort correctly and can be followed by more fields:
//    each 0x00 byte becomes 0x00 0xFF, and the string ends with 0x00 0x01. A string's encoding is never a prefix
//    of another string's encoding unless the strings are equal.
// Encoding is canonical: every tuple has exactly one encoding, and decoding accepts only that encoding.
// Decoders consume one field from the front of `*in`. On success they advance `*in` past it and store the value;
// on malformed input (too short, 0x00 followed by anything but 0xFF or 0x01, missing terminator) they return false
// and leave both `*in` and the output untouched. Thread-safe (pure functions).

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

// Key builders: the fields in the order listed, each encoded as above.

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

// The smallest string greater than every string that starts with `prefix`: the exclusive upper bound of a prefix
// scan. "" when there is none (`prefix` is empty or all 0xFF), meaning "scan to the end".
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace pdl::keys

#endif  // PDL_PROJECTIONS_KEYS_H_

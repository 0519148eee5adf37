#include "projections/keys.h"

#include <cstddef>
#include <utility>

namespace pdl::keys {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';
constexpr char kTerminator = '\x01';

template <typename T>
void AppendBigEndian(std::string* out, T v) {
  for (int shift = 8 * (sizeof(T) - 1); shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

template <typename T>
bool ConsumeBigEndian(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  T result = 0;
  for (size_t i = 0; i < sizeof(T); ++i) result = static_cast<T>((result << 8) | static_cast<unsigned char>((*in)[i]));
  in->remove_prefix(sizeof(T));
  *v = result;
  return true;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

void AppendU32(std::string* out, uint32_t v) { AppendBigEndian(out, v); }
void AppendU64(std::string* out, uint64_t v) { AppendBigEndian(out, v); }
void AppendI64(std::string* out, int64_t v) { AppendBigEndian(out, static_cast<uint64_t>(v) ^ kSignBit); }

void AppendString(std::string* out, std::string_view s) {
  out->reserve(out->size() + s.size() + 2);
  for (char c : s) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
  out->push_back(kEscape);
  out->push_back(kTerminator);
}

bool ConsumeU32(std::string_view* in, uint32_t* v) { return ConsumeBigEndian(in, v); }
bool ConsumeU64(std::string_view* in, uint64_t* v) { return ConsumeBigEndian(in, v); }

bool ConsumeI64(std::string_view* in, int64_t* v) {
  uint64_t biased = 0;
  if (!ConsumeBigEndian(in, &biased)) return false;
  *v = static_cast<int64_t>(biased ^ kSignBit);
  return true;
}

bool ConsumeString(std::string_view* in, std::string* s) {
  std::string decoded;
  for (size_t i = 0; i < in->size(); ++i) {
    const char c = (*in)[i];
    if (c != kEscape) {
      decoded.push_back(c);
      continue;
    }
    if (i + 1 == in->size()) return false;
    const char next = (*in)[++i];
    if (next == kTerminator) {
      in->remove_prefix(i + 1);
      *s = std::move(decoded);
      return true;
    }
    if (next != kEscapedZero) return false;
    decoded.push_back(kEscape);
  }
  return false;
}

std::string LogKey(uint32_t partition, uint64_t seq) {
  std::string key;
  AppendU32(&key, partition);
  AppendU64(&key, seq);
  return key;
}

std::string TimelineKey(std::string_view subject_id, int64_t occurred_micros, uint32_t partition, uint64_t seq) {
  std::string key = TimelinePrefix(subject_id);
  AppendI64(&key, occurred_micros);
  AppendU32(&key, partition);
  AppendU64(&key, seq);
  return key;
}

std::string TimelinePrefix(std::string_view subject_id) {
  std::string key;
  AppendString(&key, subject_id);
  return key;
}

std::string EventIdKey(std::string_view event_id) {
  std::string key;
  AppendString(&key, event_id);
  return key;
}

std::string PartitionKey(uint32_t partition) {
  std::string key;
  AppendU32(&key, partition);
  return key;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(successor.back());
    if (last != 0xFF) {
      ++last;
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

}  // namespace pdl::keys

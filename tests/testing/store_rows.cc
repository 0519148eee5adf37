#include "tests/testing/store_rows.h"

#include "projections/store.h"

namespace pdl::testing {

size_t RowCount(const Store& store, Cf family) {
  size_t rows = 0;
  auto it = store.NewIterator(family);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  return rows;
}

}  // namespace pdl::testing

#ifndef PDL_TESTS_TESTING_STORE_ROWS_H_
#define PDL_TESTS_TESTING_STORE_ROWS_H_

// What a store holds, as tests count it.

#include <cstddef>

#include "projections/column_families.h"

namespace pdl {
class Store;
}  // namespace pdl

namespace pdl::testing {

// The number of rows in `family`.
size_t RowCount(const Store& store, Cf family);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_STORE_ROWS_H_

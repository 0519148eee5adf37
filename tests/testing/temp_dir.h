#ifndef PDL_TESTS_TESTING_TEMP_DIR_H_
#define PDL_TESTS_TESTING_TEMP_DIR_H_

// A directory under $TMPDIR (or /tmp) that the fixture owns and removes with everything in it.

#include <string>

namespace pdl::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_TEMP_DIR_H_

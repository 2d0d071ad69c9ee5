// A fresh directory for one test, removed with everything in it afterwards.
#ifndef NDES_TESTS_SUPPORT_TEMP_DIR_H_
#define NDES_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ndes::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Path(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_TEMP_DIR_H_

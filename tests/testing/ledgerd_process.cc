#include "tests/testing/ledgerd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/health_client.h"

namespace pdl::testing {
namespace {

// The child's exit status when execv itself failed.
constexpr int kExecFailed = 127;

}  // namespace

std::string ReadFileTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream buffer;
  buffer << in.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(buffer.str()));
}

LedgerdProcess::LedgerdProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {
  log_path_ = data_dir_ + ".log";
}

LedgerdProcess::~LedgerdProcess() {
  if (pid_ > 0) Kill();
}

absl::Status LedgerdProcess::Start(int timeout_s) {
  std::filesystem::create_directories(data_dir_);
  std::filesystem::remove(data_dir_ + "/grpc-address");
  std::filesystem::remove(data_dir_ + "/metrics-address");
  std::vector<std::string> args = {binary_,        "--data-dir",        data_dir_, "--grpc-address",
                                   "127.0.0.1:0", "--metrics-address", "127.0.0.1:0"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const auto spawn = [&]() -> absl::Status {
    pid_ = fork();
    if (pid_ < 0) return absl::InternalError(absl::StrCat("fork failed: ", std::strerror(errno)));
    if (pid_ == 0) {
      int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      dprintf(2, "exec %s: %s\n", argv[0], std::strerror(errno));
      _exit(kExecFailed);
    }
    return absl::OkStatus();
  };
  if (absl::Status s = spawn(); !s.ok()) return s;
  int exec_attempts = 1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      // The binary could not be started (not ledgerd failing): a few more tries, then the reason.
      if (WIFEXITED(status) && WEXITSTATUS(status) == kExecFailed && exec_attempts < 3) {
        ++exec_attempts;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        if (absl::Status s = spawn(); !s.ok()) return s;
        continue;
      }
      return absl::InternalError(absl::StrCat("ledgerd exited during start (",
                                              WIFEXITED(status) ? absl::StrCat("exit ", WEXITSTATUS(status))
                                                                : absl::StrCat("signal ", WTERMSIG(status)),
                                              "):\n", output()));
    }
    grpc_address_ = ReadFileTrimmed(data_dir_ + "/grpc-address");
    if (!grpc_address_.empty()) {
      auto health = CheckHealth(channel(), "");
      if (health.ok() && *health == kHealthServing) {
        kafka_bootstrap_ = ReadFileTrimmed(data_dir_ + "/kafka-bootstrap");
        metrics_address_ = ReadFileTrimmed(data_dir_ + "/metrics-address");
        return absl::OkStatus();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("ledgerd did not serve within ", timeout_s, " s:\n", output()));
}

void LedgerdProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int LedgerdProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

std::shared_ptr<grpc::Channel> LedgerdProcess::channel() const {
  return grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials());
}

std::string LedgerdProcess::output() const { return ReadFileTrimmed(log_path_); }

}  // namespace pdl::testing

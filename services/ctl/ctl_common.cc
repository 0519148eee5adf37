#include "services/ctl/ctl_common.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace pdl::ctl {

int Report(const grpc::Status& status, const Globals& g, const grpc::ClientContext& context) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      status.error_message().find("backpressure") == std::string::npos) {
    std::cerr << "ledgerctl: cannot reach ledgerd at " << g.server << " (" << status.error_message()
              << ").\nIs it running? Start it with `ledgerd` (or `scripts/dev.sh run`), or point --server / "
                 "PDL_SERVER at it.\n";
    return kExitUnreachable;
  }
  std::string field;
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("pdl-field"); it != trailers.end()) field = std::string(it->second.data(), it->second.size());
  std::cerr << "ledgerctl: " << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
            << status.error_message() << "\n";
  if (!field.empty()) std::cerr << "  field: " << field << "\n";
  return kExitServerError;
}

std::shared_ptr<grpc::Channel> Connect(const Globals& g) {
  return grpc::CreateChannel(g.server, grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext* context, const Globals& g) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(g.timeout_s));
}

std::string ToJson(const google::protobuf::Message& message, bool multiline) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = multiline;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

int UsageError(const std::string& message) {
  std::cerr << "ledgerctl: " << message << "\n";
  return kExitUsage;
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is a directory, not a file"));
    }
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
    buffer << in.rdbuf();
  }
  return buffer.str();
}

}  // namespace pdl::ctl

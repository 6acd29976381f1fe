// Shared basics of the addon: the error type every native call throws, and hot-path constants.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace pb {

constexpr uint16_t kBurst = 32;
constexpr uint16_t kNoPort = UINT16_MAX;
constexpr uint16_t kRxDesc = 1024;
constexpr uint16_t kTxDesc = 1024;

// An error with a machine-readable code (mapped to EngineError.code in JS) and the DPDK errno if any.
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message, int err = 0)
      : std::runtime_error(message), code_(std::move(code)), errno_(err) {}
  const std::string& code() const { return code_; }
  int err() const { return errno_; }

 private:
  std::string code_;
  int errno_;
};

// Formats "what: rte_strerror(err)" for errors returned by DPDK calls (negative errno).
std::string dpdk_message(const std::string& what, int ret);

}  // namespace pb

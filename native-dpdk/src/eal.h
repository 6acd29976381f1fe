// EAL lifecycle: init once per process on the control thread, launch the workers, clean shutdown.
#pragma once
#include <string>
#include <vector>

namespace pb {

struct EalOptions {
  std::vector<unsigned> worker_cpus;
  std::string file_prefix;
  bool no_huge = false;
  unsigned memory_mb = 256;
  bool in_memory = false;
  bool single_file_segments = false;
  std::string huge_dir;
  std::string log_level = "notice";
  std::vector<std::string> extra_args;
  unsigned pool_mbufs = 16383;
};

// The EAL argv used for `options` (exposed for logging and tests).
std::vector<std::string> eal_args(const EalOptions& options, unsigned online_cpus);

// Control thread only. Throws pb::Error (ALREADY_INITIALIZED, EAL_INIT_FAILED, ...).
void eal_start(const EalOptions& options);
// Stops the workers and releases EAL resources. Ports must already be removed. Control thread only.
void eal_stop();

}  // namespace pb

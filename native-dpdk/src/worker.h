// The poll-mode worker: one per worker lcore, launched with rte_eal_remote_launch.
#pragma once

namespace pb {

int worker_main(void* arg);  // arg: WorkerState*

}  // namespace pb

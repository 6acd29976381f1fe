// Control thread task queue with a periodic tick (link polling, MAC ageing, memif client restarts).
#include "control.h"

#include <chrono>

namespace pb {

ControlThread& g_control = *new ControlThread();

void ControlThread::start(Task on_tick) {
  on_tick_ = std::move(on_tick);
  thread_ = std::thread([this] { loop(); });
}

void ControlThread::post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void ControlThread::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ControlThread::loop() {
  auto next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_until(lock, next_tick, [this] { return !tasks_.empty() || stopping_; });
      if (!tasks_.empty()) {
        task = std::move(tasks_.front());
        tasks_.pop_front();
      } else if (stopping_) {
        return;
      }
    }
    if (task) task();
    if (std::chrono::steady_clock::now() >= next_tick) {
      if (on_tick_) on_tick_();
      next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
    }
  }
}

}  // namespace pb

// The control thread: runs EAL init, port hotplug and every other call that may block, one at a
// time, off the JS thread. EAL pins it (the main lcore), so Node's own thread stays floating.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace pb {

class ControlThread {
 public:
  using Task = std::function<void()>;
  void start(Task on_tick);
  void post(Task task);
  // Runs the queued tasks, then ends the thread. Idempotent.
  void stop();
  bool started() const { return thread_.joinable(); }

 private:
  void loop();
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  Task on_tick_;
  bool stopping_ = false;
};

extern ControlThread& g_control;  // never destroyed (see runtime.h)

}  // namespace pb

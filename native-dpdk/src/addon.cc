// Module init and the N-API surface. Calls that may block run on the control thread and return a
// promise, settled on the JS thread through a ThreadSafeFunction; counters are read synchronously.
#include <napi.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <mutex>

#include <rte_launch.h>

#include "control.h"
#include "eal.h"
#include "engine.h"
#include "memif_relay.h"
#include "runtime.h"
#include "stats.h"

namespace pb {
namespace {

using Builder = std::function<Napi::Value(Napi::Env)>;

struct Completion {
  Napi::Promise::Deferred deferred;
  Builder build;
  bool failed = false;
  std::string code, message;
  int err = 0;
};

Napi::ThreadSafeFunction done_tsfn;
Napi::ThreadSafeFunction event_tsfn;
int pending = 0;
bool initialized = false;
std::atomic<bool> stopped{false};
std::mutex& event_mutex = *new std::mutex();  // never destroyed (see runtime.h)
std::deque<EngineEventRecord>& event_queue = *new std::deque<EngineEventRecord>();

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message, int err) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  if (err != 0) error.Set("errno", Napi::Number::New(env, err));
  return error;
}

void settle(Napi::Env env, Napi::Function, Completion* c) {
  if (c->failed) {
    c->deferred.Reject(make_error(env, c->code, c->message, c->err).Value());
  } else {
    c->deferred.Resolve(c->build ? c->build(env) : env.Undefined());
  }
  delete c;
  if (--pending == 0) done_tsfn.Unref(env);
}

Napi::Value run_async(Napi::Env env, std::function<Builder()> work) {
  auto* c = new Completion{Napi::Promise::Deferred::New(env)};
  Napi::Promise promise = c->deferred.Promise();
  if (!initialized) {
    c->deferred.Reject(make_error(env, "NOT_INITIALIZED", "Engine.init() has not been called", 0).Value());
    delete c;
    return promise;
  }
  if (pending++ == 0) done_tsfn.Ref(env);
  g_control.post([c, work = std::move(work)] {
    try {
      c->build = work();
    } catch (const Error& e) {
      c->failed = true;
      c->code = e.code();
      c->message = e.what();
      c->err = e.err();
    } catch (const std::exception& e) {
      c->failed = true;
      c->code = "INTERNAL";
      c->message = e.what();
    }
    done_tsfn.BlockingCall(c, settle);
  });
  return promise;
}

std::string str(const Napi::Object& o, const char* key, const std::string& fallback = "") {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}
bool flag(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}
uint32_t u32(const Napi::Object& o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}
std::vector<std::string> strings(const Napi::Object& o, const char* key) {
  std::vector<std::string> out;
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) return out;
  auto array = v.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(array.Get(i).ToString().Utf8Value());
  return out;
}

Napi::Object port_info(Napi::Env env, const PortSnapshot& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", p.name);
  o.Set("kind", p.kind);
  o.Set("portId", p.id);
  o.Set("mac", p.mac);
  o.Set("linkUp", p.link_up);
  if (!p.socket_path.empty()) o.Set("socketPath", p.socket_path);
  return o;
}

void deliver_events(Napi::Env env, Napi::Function callback) {
  std::deque<EngineEventRecord> batch;
  {
    std::lock_guard<std::mutex> lock(event_mutex);
    batch.swap(event_queue);
  }
  for (auto& e : batch) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", e.type);
    o.Set("port", e.port);
    o.Set("at", e.at);
    callback.Call({o});
  }
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (initialized) throw make_error(env, "ALREADY_INITIALIZED", "Engine.init() may be called once per process", 0);
  Napi::Object o = info[0].As<Napi::Object>();
  EalOptions options;
  Napi::Array cpus = o.Get("workerCpus").As<Napi::Array>();
  for (uint32_t i = 0; i < cpus.Length(); i++) options.worker_cpus.push_back(cpus.Get(i).ToNumber().Uint32Value());
  options.file_prefix = str(o, "filePrefix");
  options.no_huge = flag(o, "noHuge");
  options.memory_mb = u32(o, "memoryMb", 256);
  options.in_memory = flag(o, "inMemory");
  options.single_file_segments = flag(o, "singleFileSegments");
  options.huge_dir = str(o, "hugeDir");
  options.log_level = str(o, "logLevel", "notice");
  options.extra_args = strings(o, "extraEalArgs");
  options.pool_mbufs = u32(o, "poolMbufs", 16383);
  const double ageing = o.Get("macAgeingSec").IsNumber() ? o.Get("macAgeingSec").ToNumber().DoubleValue() : 300;

  event_tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "pktbridge-events", 0, 1);
  event_tsfn.Unref(env);
  set_event_sink([](EngineEventRecord e) {
    {
      std::lock_guard<std::mutex> lock(event_mutex);
      event_queue.push_back(std::move(e));
    }
    event_tsfn.NonBlockingCall(deliver_events);
  });
  g_control.start([] {
    if (!stopped.load() && g_rt.running.load()) g_engine.tick();
  });
  initialized = true;
  return run_async(env, [options, ageing]() -> Builder {
    g_engine.set_mac_ageing(ageing);
    eal_start(options);
    auto args = eal_args(options, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
    return [args](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, args.size());
      for (uint32_t i = 0; i < args.size(); i++) out.Set(i, args[i]);
      return out;
    };
  });
}

Napi::Value AddPort(const Napi::CallbackInfo& info) {
  Napi::Object o = info[0].As<Napi::Object>();
  AddPortRequest request;
  request.name = str(o, "name");
  request.kind = str(o, "kind");
  request.socket_path = str(o, "socketPath");
  request.setup.bus = str(o, "bus", "vdev");
  request.setup.dev_name = str(o, "devName");
  request.setup.devargs = str(o, "devargs");
  request.setup.rx_queues = static_cast<uint16_t>(u32(o, "rxQueues", 1));
  request.setup.tx_queues = static_cast<uint16_t>(std::max<size_t>(1, g_rt.workers.size()));
  if (o.Get("relay").IsObject()) {
    Napi::Object r = o.Get("relay").As<Napi::Object>();
    request.relay = true;
    request.relay_spec.port_name = request.name;
    request.relay_spec.pmd_is_server = flag(r, "pmdIsServer");
    request.relay_spec.pod_socket = str(r, "podSocket");
    request.relay_spec.pod_abstract = flag(r, "podAbstract");
    request.relay_spec.netns_path = str(r, "netnsPath");
    request.relay_spec.pmd_socket = str(r, "pmdSocket");
  }
  return run_async(info.Env(), [request]() -> Builder {
    PortSnapshot p = g_engine.add_port(request);
    return [p](Napi::Env env) -> Napi::Value { return port_info(env, p); };
  });
}

// Wraps a void control-thread operation taking string arguments.
template <typename Fn>
Napi::Value Void(const Napi::CallbackInfo& info, Fn fn) {
  std::vector<std::string> args;
  for (size_t i = 0; i < info.Length(); i++) args.push_back(info[i].ToString().Utf8Value());
  return run_async(info.Env(), [fn, args]() -> Builder {
    fn(args);
    return nullptr;
  });
}

Napi::Value Ports(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ports = initialized && !stopped ? g_engine.snapshot() : std::vector<PortSnapshot>{};
  Napi::Array out = Napi::Array::New(env, ports.size());
  for (uint32_t i = 0; i < ports.size(); i++) out.Set(i, port_info(env, ports[i]));
  return out;
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info[0].ToString().Utf8Value();
  PortCounters c;
  try {
    std::lock_guard<std::mutex> lock(g_engine.mutex);
    c = port_counters(g_engine.port_id(name));
  } catch (const Error& e) {
    throw make_error(env, e.code(), e.what(), e.err());
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("rxPackets", static_cast<double>(c.rx_packets));
  o.Set("txPackets", static_cast<double>(c.tx_packets));
  o.Set("rxBytes", static_cast<double>(c.rx_bytes));
  o.Set("txBytes", static_cast<double>(c.tx_bytes));
  o.Set("rxDropped", static_cast<double>(c.rx_dropped));
  o.Set("txDropped", static_cast<double>(c.tx_dropped));
  o.Set("rxErrors", static_cast<double>(c.rx_errors));
  o.Set("txErrors", static_cast<double>(c.tx_errors));
  return o;
}

Napi::Value Xstats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info[0].ToString().Utf8Value();
  std::vector<std::pair<std::string, uint64_t>> values;
  try {
    std::lock_guard<std::mutex> lock(g_engine.mutex);
    values = port_xstats(g_engine.port_id(name));
  } catch (const Error& e) {
    throw make_error(env, e.code(), e.what(), e.err());
  }
  Napi::Object o = Napi::Object::New(env);
  for (auto& [key, value] : values) o.Set(key, static_cast<double>(value));
  return o;
}

Napi::Value WorkerStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto workers = worker_counters();
  Napi::Array out = Napi::Array::New(env, workers.size());
  for (uint32_t i = 0; i < workers.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("lcore", workers[i].lcore);
    o.Set("cpu", workers[i].cpu);
    o.Set("polls", static_cast<double>(workers[i].polls));
    o.Set("busyPolls", static_cast<double>(workers[i].busy_polls));
    o.Set("packets", static_cast<double>(workers[i].packets));
    out.Set(i, o);
  }
  return out;
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stopped) return run_async(env, []() -> Builder { return nullptr; });
  stopped = true;
  Napi::Value promise = run_async(env, []() -> Builder {
    g_engine.remove_all();
    relay_shutdown();
    eal_stop();
    set_event_sink(nullptr);
    // Runs on the JS thread once the control thread has finished its last task.
    return [](Napi::Env env) -> Napi::Value {
      g_control.stop();
      event_tsfn.Release();
      return env.Undefined();
    };
  });
  return promise;
}

// Node exiting without Engine.shutdown() (process.exit, an uncaught error): stop the workers before
// DPDK's and libc's exit-time teardown runs under a worker that is still polling.
void stop_workers_at_exit() {
  if (initialized && !stopped && g_rt.running.load()) {
    g_rt.running.store(false);
    rte_eal_mp_wait_lcore();
  }
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  // atexit, not an env cleanup hook: process.exit() does not run cleanup hooks.
  std::atexit(stop_workers_at_exit);
  done_tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                            "pktbridge-control", 0, 1);
  done_tsfn.Unref(env);
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("addPort", Napi::Function::New(env, AddPort));
  exports.Set("removePort", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.remove_port(a.at(0)); });
  }));
  exports.Set("connect", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.connect(a.at(0), a.at(1)); });
  }));
  exports.Set("disconnect", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.disconnect(a.at(0)); });
  }));
  exports.Set("createBridge", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.create_bridge(a.at(0)); });
  }));
  exports.Set("deleteBridge", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.delete_bridge(a.at(0)); });
  }));
  exports.Set("bridgeAddPort", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.bridge_add_port(a.at(0), a.at(1)); });
  }));
  exports.Set("bridgeRemovePort", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Void(info, [](const std::vector<std::string>& a) { g_engine.bridge_remove_port(a.at(0)); });
  }));
  exports.Set("ports", Napi::Function::New(env, Ports));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("xstats", Napi::Function::New(env, Xstats));
  exports.Set("workerStats", Napi::Function::New(env, WorkerStats));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown));
  return exports;
}

}  // namespace
}  // namespace pb

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return pb::Module(env, exports); }

NODE_API_MODULE(pktbridge_dpdk, InitAddon)

#include "tests/sim/proxy.hpp"

#include <caf/all.hpp>

#include <memory>

#include "protocol/messages.hpp"

namespace pstorage::sim {

std::string message_name(const caf::message& m) {
#define PSTORAGE_SIM_NAME_(alias) \
  if (m.match_elements<msg::alias>()) return #alias;
  PSTORAGE_WIRE_MESSAGES(PSTORAGE_SIM_NAME_)
#undef PSTORAGE_SIM_NAME_
  if (m.match_elements<caf::error>()) return "error";
  return "message";
}

namespace {

struct pending {
  caf::message msg;
  std::shared_ptr<caf::response_promise> rp;  // null: not a request
  bool answer = false;                          // an answer waiting for its delay
  bool reverse = false;                         // a request from the callee to `back`
};

struct link_state {
  uint64_t next_token = 0;
  std::map<uint64_t, pending> delayed;
  bool zombie = false;
  caf::message last_heartbeat;
};

}  // namespace

caf::actor spawn_link(caf::actor_system& sys, link_context* ctx, std::string from, std::string to, caf::actor target,
                      std::function<void(const std::string&, const caf::message&)> on_answer, caf::actor back) {
  return sys.spawn([=](caf::stateful_actor<link_state>* self) -> caf::behavior {
    auto tr = [=](const std::string& text) { ctx->tr->add(ctx->now_ms(), ctx->step(), text); };
    auto count = [=](const std::string& key) { ++(*ctx->coverage)[key]; };
    auto arrow = from + "->" + to;

    // Sends one copy of a request to the target; relays its answer through
    // the network's judgement of the way back.
    // `reverse`: a request the callee sends back over the same connection
    // (the MDS asking a CS through the CS's link), delivered to `back`.
    auto send_request =
        std::make_shared<std::function<void(const caf::message&, std::shared_ptr<caf::response_promise>, bool)>>();
    *send_request = [=](const caf::message& m, std::shared_ptr<caf::response_promise> rp, bool reverse) {
      auto id = self->new_request_id(caf::message_priority::normal);
      auto dest = reverse ? back : target;
      auto callee = reverse ? from : to;
      auto caller = reverse ? to : from;
      if (!dest) {
        if (rp) rp->deliver(caf::make_error(caf::sec::request_receiver_down));
        return;
      }
      dest->enqueue(caf::make_mailbox_element(self->ctrl(), id, {}, m), self->context());
      auto name = message_name(m);
      auto relay = [=](caf::message answer) {
        auto aname = message_name(answer);
        if (!self->state.zombie && on_answer && !reverse) on_answer(aname, answer);
        if (self->state.zombie || !rp) return;
        auto v = ctx->net->judge(callee, caller, true);
        if (v.drop) {
          count(std::string("net.answer-dropped.") + v.why);
          tr(callee + "->" + caller + " " + aname + " (answer to " + name + "): dropped (" + v.why + ")");
          return;
        }
        if (v.delay_ms == 0) {
          rp->deliver(std::move(answer));
          return;
        }
        auto token = self->state.next_token++;
        self->state.delayed[token] = pending{std::move(answer), rp, true};
        self->delayed_send(self, std::chrono::milliseconds(v.delay_ms), forward_atom::value, token);
      };
      // CAF 0.17 has no catch-all for response handlers: one case per wire
      // message, plus errors (timeouts, receiver down).
#define PSTORAGE_SIM_CASE_(alias) [=](msg::alias& a) { relay(caf::make_message(std::move(a))); },
      self->add_multiplexed_response_handler(
          id.response_id(),
          caf::behavior{PSTORAGE_WIRE_MESSAGES(PSTORAGE_SIM_CASE_)[=](caf::error& e) { relay(caf::make_message(e)); }});
#undef PSTORAGE_SIM_CASE_
    };

    self->set_default_handler([=](caf::scheduled_actor*, caf::message_view& mv) -> caf::result<caf::message> {
      bool is_request = self->current_mailbox_element()->mid.is_request();
      auto sender = self->current_mailbox_element()->sender;
      auto m = mv.move_content_to_message();
      auto name = message_name(m);
      std::shared_ptr<caf::response_promise> rp;
      if (is_request) rp = std::make_shared<caf::response_promise>(self->make_response_promise());
      // A request the callee's side sends over this connection (the MDS, or an
      // actor of its process, asking the CS): by its type, mds_to_cs_*.
      bool reverse = back && (sender == caf::actor_cast<caf::strong_actor_ptr>(target) || name.rfind("mds_to_cs_", 0) == 0);
      if (name == "cs_to_mds_heartbeat") self->state.last_heartbeat = m;
      auto v = reverse ? ctx->net->judge(to, from, false) : ctx->net->judge(from, to, false);
      if (v.drop) {
        count(std::string("net.dropped.") + v.why);
        tr((reverse ? to + "->" + from : arrow) + " " + name + ": dropped (" + v.why + ")");
        return caf::delegated<caf::message>{};
      }
      if (v.duplicate) {
        count("net.duplicated");
        tr(arrow + " " + name + ": duplicated");
        // The copy's answer is discarded: only the first answer reaches the caller.
        (*send_request)(m, nullptr, reverse);
      }
      if (*v.why) count(std::string("net.") + v.why);
      if (v.delay_ms == 0) {
        (*send_request)(m, rp, reverse);
      } else {
        auto token = self->state.next_token++;
        self->state.delayed[token] = pending{m, rp, false, reverse};
        self->delayed_send(self, std::chrono::milliseconds(v.delay_ms), forward_atom::value, token);
      }
      return caf::delegated<caf::message>{};
    });

    return {
        [=](forward_atom, uint64_t token) {
          auto it = self->state.delayed.find(token);
          if (it == self->state.delayed.end()) return;
          auto p = std::move(it->second);
          self->state.delayed.erase(it);
          if (p.answer) {
            if (p.rp) p.rp->deliver(std::move(p.msg));
          } else {
            (*send_request)(p.msg, p.rp, p.reverse);
          }
        },
        // Bug net_replay_after_close: the caller died, yet this link keeps
        // delivering its last heartbeat to the callee.
        [=](zombie_atom) {
          self->state.zombie = true;
          self->send(self, replay_atom::value);
        },
        [=](replay_atom) {
          if (self->state.last_heartbeat.empty()) return;
          count("bug.net_replay_after_close.replayed");
          tr(arrow + " cs_to_mds_heartbeat: replayed after the connection closed (bug)");
          (*send_request)(self->state.last_heartbeat, nullptr, false);
          self->delayed_send(self, std::chrono::milliseconds(ctx->replay_interval_ms), replay_atom::value);
        },
    };
  });
}

}  // namespace pstorage::sim

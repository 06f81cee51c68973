#include "proxy/forward.h"

#include <algorithm>
#include <charconv>

#include "sip/editor.h"
#include "sip/headers.h"

namespace tandem::proxy {
namespace {

// Removes the given values (views into the message) of a list header: a line
// whose every value goes is removed; otherwise the values are cut from the
// first removed one to the first kept one (they are the top values).
void removeValues(sip::Editor& editor, const sip::Message& message, sip::HeaderId id,
                  const std::vector<std::string_view>& doomed) {
  if (doomed.empty()) {
    return;
  }
  auto isDoomed = [&](std::string_view value) {
    return std::any_of(doomed.begin(), doomed.end(), [&](std::string_view d) { return d.data() == value.data(); });
  };
  const sip::HeaderField* line = nullptr;
  std::string_view first_doomed;
  bool kept_on_line = false;
  auto flush = [&](std::string_view first_kept) {
    if (line == nullptr || first_doomed.empty()) {
      return;
    }
    if (!kept_on_line) {
      editor.remove(*line);
    } else {
      editor.replaceSpan(std::string_view(first_doomed.data(),
                                          static_cast<size_t>(first_kept.data() - first_doomed.data())),
                         "");
    }
  };
  std::string_view first_kept;
  for (auto it = message.values(id).begin(); it != message.values(id).end(); ++it) {
    if (&it.field() != line) {
      flush(first_kept);
      line = &it.field();
      first_doomed = {};
      first_kept = {};
      kept_on_line = false;
    }
    if (isDoomed(*it)) {
      if (first_doomed.empty()) {
        first_doomed = *it;
      }
    } else if (!kept_on_line) {
      kept_on_line = true;
      first_kept = *it;
    }
  }
  flush(first_kept);
}

std::string decimal(uint64_t value) {
  char text[24];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, static_cast<size_t>(end - text));
}

}  // namespace

std::string recordRouteUri(const transport::Endpoint& local, transport::TransportKind transport) {
  std::string uri = "<sip:" + hostPort(local);
  if (transport != transport::TransportKind::Udp) {
    uri += ";transport=";
    uri += transport == transport::TransportKind::Tcp ? "tcp" : "tls";
  }
  uri += ";lr>";
  return uri;
}

std::string buildForwardedRequest(const RequestContext& context, const LocalIdentity& identity,
                                  const ForwardSpec& spec) {
  const sip::Message& request = context.request;
  const Target& target = *spec.target;
  sip::Editor editor(request);

  // Strict routing next hop (§16.6 item 7) is not produced: Tandem's own
  // route sets are loose. A strict previous hop's Request-URI is restored.
  std::string request_uri = target.request_uri;
  if (request_uri.empty() && !context.strict_request_uri.empty()) {
    request_uri = context.strict_request_uri;
  }
  if (!request_uri.empty()) {
    editor.setRequestUri(request_uri);
  }

  std::string max_forwards;
  if (const sip::HeaderField* hops = request.find(sip::HeaderId::MaxForwards); hops != nullptr) {
    auto value = sip::parseMaxForwards(hops->value);
    max_forwards = decimal(value.ok() && *value > 0 ? *value - 1 : 0);
    editor.replace(*hops, max_forwards);
  } else {
    editor.append("Max-Forwards", "70");
  }

  std::vector<std::string_view> doomed = context.own_routes;
  if (!context.strict_route.empty()) {
    doomed.push_back(context.strict_route);
  }
  removeValues(editor, request, sip::HeaderId::Route, doomed);
  for (const sip::HeaderField* credentials : context.consumed) {
    editor.remove(*credentials);
  }
  // A registered contact's Path (RFC 3327 §5.3): on top of what is left.
  if (!target.routes.empty()) {
    const sip::HeaderField* first_kept_route = nullptr;
    for (auto it = request.values(sip::HeaderId::Route).begin(); it != request.values(sip::HeaderId::Route).end();
         ++it) {
      if (std::none_of(doomed.begin(), doomed.end(), [&](std::string_view d) { return d.data() == (*it).data(); })) {
        first_kept_route = &it.field();
        break;
      }
    }
    for (const std::string& route : target.routes) {
      if (first_kept_route != nullptr) {
        editor.insertBefore(*first_kept_route, "Route", route);
      } else {
        editor.append("Route", route);
      }
    }
  }

  // §18.2.1 / RFC 3581: tell the previous hop's Via where it really came from.
  std::string received;
  const std::string_view top_via = *request.values(sip::HeaderId::Via).begin();
  if (auto via = sip::parseVia(top_via); via.ok()) {
    const std::string source = context.source.endpoint.address.to_string();
    std::string_view via_host = via->host;
    if (via_host.size() > 2 && via_host.front() == '[') {
      via_host = via_host.substr(1, via_host.size() - 2);
    }
    if (via->received.empty() && (via_host != source || via->has_rport)) {
      received = ";received=" + source;
    }
    if (via->has_rport && !via->rport) {
      received += ";rport=" + decimal(context.source.endpoint.port);
      // drop the empty ";rport" it replaces
      const size_t at = top_via.find(";rport");
      if (at != std::string_view::npos) {
        editor.replaceSpan(top_via.substr(at, 6), "");
      }
    }
    if (!received.empty()) {
      editor.replaceSpan(top_via.substr(top_via.size(), 0), received);
    }
  }

  std::string inbound_rr;
  std::string outbound_rr;
  if (spec.record_route) {
    const transport::Endpoint inbound_local =
        identity.localFor(context.source.transport, context.source.endpoint);
    outbound_rr = recordRouteUri(spec.outbound_local, target.destination.transport);
    inbound_rr = recordRouteUri(inbound_local, context.source.transport);
    const sip::HeaderField* first_rr = request.find(sip::HeaderId::RecordRoute);
    auto insert = [&](std::string_view value) {
      if (first_rr != nullptr) {
        editor.insertBefore(*first_rr, "Record-Route", value);
      } else {
        editor.append("Record-Route", value);
      }
    };
    // The value facing the next hop goes on top (RFC 5658 §3.2).
    insert(outbound_rr);
    if (inbound_rr != outbound_rr) {
      insert(inbound_rr);
    }
  }

  const std::string via = "SIP/2.0/" + std::string(viaTransport(target.destination.transport)) + " " +
                          hostPort(spec.outbound_local) + ";branch=" + spec.branch;
  editor.pushVia(via);
  if (!editor.ok()) {
    return {};
  }
  return editor.serialize();
}

}  // namespace tandem::proxy

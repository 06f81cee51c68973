// The admin HTTP API on its own: routes, JSON errors, the body limit, and
// the one-line error when the address is taken.

#include "admin/admin_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <string>

namespace tandem::admin {
namespace {

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Callbacks callbacks;
    callbacks.status = [this] {
      ++status_calls_;
      return nlohmann::json{{"state", "running"}, {"pid", 42}};
    };
    callbacks.requestStop = [this] { ++stop_calls_; };
    auto server = AdminServer::start(config::HostPort{"127.0.0.1", 0}, std::move(callbacks));
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }

  httplib::Client client() {
    httplib::Client http("127.0.0.1", server_->port());
    http.set_connection_timeout(std::chrono::seconds(2));
    http.set_read_timeout(std::chrono::seconds(5));
    return http;
  }

  std::atomic<int> status_calls_{0};
  std::atomic<int> stop_calls_{0};
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, StatusIsTheCallbacksDocument) {
  auto response = client().Get("/v1/status");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(response->body), (nlohmann::json{{"state", "running"}, {"pid", 42}}));
  EXPECT_EQ(status_calls_, 1);
}

TEST_F(AdminServerTest, StopIsAcceptedAndRequested) {
  auto response = client().Post("/v1/service/stop");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(nlohmann::json::parse(response->body).value("state", ""), "stopping");
  EXPECT_EQ(stop_calls_, 1);
}

TEST_F(AdminServerTest, AnythingElseIs404Json) {
  httplib::Client http = client();
  for (const auto& response :
       {http.Get("/"), http.Get("/v1/service/stop"), http.Post("/v1/status"), http.Delete("/v1/status")}) {
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_TRUE(nlohmann::json::parse(response->body).contains("error")) << response->body;
  }
  EXPECT_EQ(stop_calls_, 0);
}

TEST_F(AdminServerTest, BodyOver64KiBIsRefused) {
  auto response = client().Post("/v1/service/stop", std::string(64 * 1024 + 1, 'x'), "text/plain");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(nlohmann::json::parse(response->body).contains("error")) << response->body;
  EXPECT_EQ(stop_calls_, 0);
}

TEST_F(AdminServerTest, AddressInUseIsOneLineNamingServerAdmin) {
  const config::HostPort taken{"127.0.0.1", server_->port()};
  auto second = AdminServer::start(taken, Callbacks{});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), "server.admin (127.0.0.1:" + std::to_string(taken.port) + "): address in use");
}

TEST_F(AdminServerTest, StopIsIdempotentAndClosesThePort) {
  const uint16_t port = server_->port();
  server_->stop();
  server_->stop();
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(std::chrono::seconds(1));
  auto response = http.Get("/v1/status");
  EXPECT_FALSE(response);
}

}  // namespace
}  // namespace tandem::admin

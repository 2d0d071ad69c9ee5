#include "health/health_service.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace ndes::health {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

class ProbeHealthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ =
        Health::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Check(const std::string& service,
                     HealthCheckResponse* response) {
    HealthCheckRequest request;
    request.set_service(service);
    grpc::ClientContext context;
    return stub_->Check(&context, request, response);
  }

  ProbeHealthService service_{{"known"}, "liveness"};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_F(ProbeHealthServiceTest, KnownServicesFollowSetServing) {
  HealthCheckResponse response;
  ASSERT_TRUE(Check("known", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  service_.SetServing(true);
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(Check("liveness", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  service_.Shutdown();
  ASSERT_TRUE(Check("liveness", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(ProbeHealthServiceTest, UnknownServiceNameIsQuotedShortAndEscaped) {
  const std::string name = "evil\n\x1b[31m" + std::string(3 * 1024 * 1024, 'x');
  HealthCheckResponse response;
  const grpc::Status status = Check(name, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("unknown service \"evil\\n\\x1b[31mxxx"));
  EXPECT_THAT(status.error_message(), HasSubstr("\"..."));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("\n")));
  EXPECT_LT(status.error_message().size(), 200u);
}

}  // namespace
}  // namespace ndes::health

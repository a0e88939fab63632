using System.Text.Json;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Route = System.ValueTuple<string, Akka.Http.Dsl.HttpModuleBase>;

namespace ActorGrad.Cluster.Management;

/// <summary>
/// `GET /health/alive` and `GET /health/ready` on Akka.Management's HTTP endpoint, for Kubernetes probes and load
/// balancers. Akka.Management for .NET has no health routes of its own (its reference.conf points to Akka.Hosting's
/// health checks), so these run the host's Microsoft.Extensions health checks with the tag <see cref="LivenessTag"/>
/// or <see cref="ReadinessTag"/> (registered by <see cref="ClusterManagementHosting"/>: the ActorSystem is running;
/// this member is Up in the cluster): 200 when every check is healthy, 503 otherwise, a JSON body either way.
/// Akka.Management creates the provider by reflection with the ActorSystem.
/// </summary>
public sealed class HealthRoutes : IManagementRouteProvider
{
    public const string AlivePath = "/health/alive";
    public const string ReadyPath = "/health/ready";
    public const string LivenessTag = "actorgrad-alive";
    public const string ReadinessTag = "actorgrad-ready";

    private readonly ActorSystem _system;

    public HealthRoutes(ExtendedActorSystem system) => _system = system;

    public Route[] Routes(ManagementRouteProviderSettings settings) =>
    [
        (AlivePath, new HealthModule(_system, LivenessTag)),
        (ReadyPath, new HealthModule(_system, ReadinessTag)),
    ];

    private sealed class HealthModule(ActorSystem system, string tag) : HttpModuleBase
    {
        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            if (!string.Equals(context.HttpContext.Request.Method, "GET", StringComparison.OrdinalIgnoreCase)) return false;
            var service = DependencyResolver.For(system).Resolver.GetService<HealthCheckService>();
            var response = context.HttpContext.Response;
            if (service is null)
            {
                response.StatusCode = HttpStatusCode.ServiceUnavailable;
                await response.WriteAllJsonAsync(JsonSerializer.Serialize(new { status = "Unhealthy", reason = "no health checks are registered" }));
                return true;
            }
            var report = await service.CheckHealthAsync(r => r.Tags.Contains(tag));
            response.StatusCode = report.Status == HealthStatus.Healthy ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
            await response.WriteAllJsonAsync(JsonSerializer.Serialize(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            }));
            return true;
        }
    }
}

# The `actorgrad` command in a container: `actorgrad node` by default, `actorgrad train ...` or `actorgrad certs ...`
# as the command. Build from the repository root:  docker build -t actorgrad:latest .
# Members listen on 4051 (Akka.Remote), 8080 (--management-port: /health/alive, /health/ready), 8558 (Cluster
# Bootstrap, with --discovery) and 9464 (--metrics prometheus:9464); the tensor lane takes a free port beside them.

# Build stage: the SDK restores and publishes the CLI (framework-dependent; the runtime image has .NET and ASP.NET Core).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The project files first: the restore layer is reused until a project or package version changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Protocol/ActorGrad.Protocol.csproj src/Protocol/
COPY src/Engine/ActorGrad.Engine.csproj src/Engine/
COPY src/Nodes/ActorGrad.Nodes.csproj src/Nodes/
COPY src/Cluster/ActorGrad.Cluster.csproj src/Cluster/
COPY src/Cli/ActorGrad.Cli.csproj src/Cli/
RUN dotnet restore src/Cli/ActorGrad.Cli.csproj
COPY LICENSE ./
COPY src/ src/
RUN dotnet publish src/Cli/ActorGrad.Cli.csproj -c Release --no-restore -o /app -p:UseAppHost=false

# Runtime stage: ASP.NET Core runtime (Kestrel serves the health endpoints), no SDK, a non-root user.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# /certs belongs to the app user, so a volume mounted there (compose's certs volume) is writable by `actorgrad certs`.
RUN mkdir /certs && chown "$APP_UID" /certs
# APP_UID is the unprivileged 'app' user the .NET images define.
USER $APP_UID
EXPOSE 4051 8080 8558 9464
ENTRYPOINT ["dotnet", "/app/actorgrad.dll"]
CMD ["node", "--host", "0.0.0.0", "--management-port", "8080"]

# The vvp-operator image: built with the SDK, run on the chiseled ASP.NET Core runtime (no shell, no package
# manager, a non-root user). The chart's probes (/healthz, /readyz) judge its health; the image has no HEALTHCHECK.
#   docker build -t vvp-operator:0.2.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Restore from the project files alone: this layer is reused until a project file or a package version changes.
COPY global.json nuget.config .editorconfig Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY src/Vvp.Reconciliation/Vvp.Reconciliation.csproj src/Vvp.Reconciliation/
COPY src/Vvp.Reconciliation.Http/Vvp.Reconciliation.Http.csproj src/Vvp.Reconciliation.Http/
COPY src/Vvp.Reconciliation.Kubernetes/Vvp.Reconciliation.Kubernetes.csproj src/Vvp.Reconciliation.Kubernetes/
COPY src/Vvp.Reconciliation.Operator/Vvp.Reconciliation.Operator.csproj src/Vvp.Reconciliation.Operator/
RUN dotnet restore src/Vvp.Reconciliation.Operator/Vvp.Reconciliation.Operator.csproj
# Then the sources of the operator and of the libraries it is built on: nothing of the test doubles.
COPY src/Shared/ src/Shared/
COPY src/Vvp.Reconciliation/ src/Vvp.Reconciliation/
COPY src/Vvp.Reconciliation.Http/ src/Vvp.Reconciliation.Http/
COPY src/Vvp.Reconciliation.Kubernetes/ src/Vvp.Reconciliation.Kubernetes/
COPY src/Vvp.Reconciliation.Operator/ src/Vvp.Reconciliation.Operator/
RUN dotnet publish src/Vvp.Reconciliation.Operator/Vvp.Reconciliation.Operator.csproj -c Release -o /app --no-restore --no-self-contained -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
# The image's unprivileged user (uid 1654, the chart's runAsUser); the chart also sets a read-only root filesystem.
USER 1654
# Workstation GC: a small heap for one process per pod. Diagnostics stay on: dotnet-counters, dotnet-trace and
# dotnet-dump reach the process through its socket in /tmp (the chart mounts /tmp as an emptyDir).
ENV DOTNET_gcServer=0
# /healthz and /readyz; /metrics.
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "vvp-operator.dll"]

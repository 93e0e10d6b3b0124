# The vvp-operator image: built with the SDK, run on the ASP.NET Core runtime as a non-root user.
#   docker build -t vvp-operator:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY . .
RUN dotnet publish src/Vvp.Reconciliation.Operator/Vvp.Reconciliation.Operator.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# The image's unprivileged user (uid 1654); the chart also sets runAsNonRoot and a read-only root filesystem.
USER app
ENV DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0
EXPOSE 8080
ENTRYPOINT ["dotnet", "vvp-operator.dll"]

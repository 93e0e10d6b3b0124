using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;

namespace Vvp.Reconciliation.Kubernetes.Hosting;

/// <summary>
/// Runs a <see cref="VvpController"/> as a hosted service. The Kubernetes client comes from the service provider
/// when one is registered, else from <c>KUBECONFIG</c>, the in-cluster configuration, or <c>~/.kube/config</c>. When
/// <see cref="VvpOperatorOptions.Enabled"/> is off it does nothing. A namespace held by another identity ends
/// the service with <see cref="NamespaceLockException"/>, which stops the host.
/// </summary>
public sealed class VvpOperatorService : BackgroundService
{
    private readonly VvpOperatorOptions _options;
    private readonly ILogger _logger;
    private readonly k8s.Kubernetes? _ownedClient;
    private readonly IHostApplicationLifetime? _lifetime;

    /// <summary>Creates the service with a controller that builds its own reconciler (no dependency injection).</summary>
    /// <param name="options">The operator settings.</param>
    /// <param name="platform">The platform port.</param>
    /// <param name="loggerFactory">Loggers.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="kubernetes">The Kubernetes client; built from the environment when <see langword="null"/>.</param>
    /// <param name="telemetry">The reconciler's metrics; private ones when <see langword="null"/>.</param>
    public VvpOperatorService(
        IOptions<VvpOperatorOptions> options,
        IPlatformClient platform,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        k8s.Kubernetes? kubernetes = null,
        ReconcilerTelemetry? telemetry = null)
        : this(options, loggerFactory, kubernetes, client => new VvpController(client, platform, options.Value, loggerFactory, timeProvider, telemetry))
    {
    }

    // AddVvpOperator's: the controller runs the reconciler the container registered (AddVvpReconciliation), whose Secrets
    // are the controller's Secret cache. Nothing is resolved while the operator is disabled.
    internal VvpOperatorService(IOptions<VvpOperatorOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider, k8s.Kubernetes? kubernetes, IServiceProvider services)
        : this(options, loggerFactory, kubernetes, client => new VvpController(
            client,
            services.GetRequiredService<IPlatformClient>(),
            services.GetRequiredService<VvpDeploymentReconciler>(),
            services.GetRequiredService<SecretCache>(),
            options.Value,
            loggerFactory,
            timeProvider))
    {
        _lifetime = services.GetService<IHostApplicationLifetime>();
    }

    private VvpOperatorService(IOptions<VvpOperatorOptions> options, ILoggerFactory loggerFactory, k8s.Kubernetes? kubernetes, Func<k8s.Kubernetes, VvpController> controller)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _logger = loggerFactory.CreateLogger<VvpOperatorService>();
        if (!_options.Enabled)
        {
            return;
        }

        if (kubernetes is null)
        {
            // KUBECONFIG when set, else the pod's service account in a cluster, else ~/.kube/config.
            var config = Environment.GetEnvironmentVariable("KUBECONFIG") is null && KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildDefaultConfig();
            _ownedClient = new k8s.Kubernetes(config);
            kubernetes = _ownedClient;
        }

        Controller = controller(kubernetes);
    }

    /// <summary>The controller; <see langword="null"/> when the operator is disabled.</summary>
    public VvpController? Controller { get; }

    /// <summary>
    /// Why the operator refused to start (a watched namespace owned by another identity), when the host's application
    /// was stopped for it; <see langword="null"/> otherwise. Without an application lifetime the exception ends
    /// <see cref="BackgroundService.ExecuteTask"/> instead.
    /// </summary>
    public NamespaceLockException? Refusal { get; private set; }

    /// <inheritdoc />
    public override void Dispose()
    {
        Controller?.Dispose();
        _ownedClient?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Controller is null)
        {
            Log.Disabled(_logger);
            return;
        }

        try
        {
            await Controller.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (NamespaceLockException ex) when (_lifetime is not null)
        {
            // Documented and logged once by the controller: the application stops, without the host's stack trace.
            Refusal = ex;
            _lifetime.StopApplication();
            return;
        }

        Log.Stopped(_logger);
    }
}

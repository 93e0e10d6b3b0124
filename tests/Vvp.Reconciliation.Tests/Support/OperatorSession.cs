using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Everything an end-to-end operator test needs, on real sockets: the Kubernetes API stand-in, the platform
/// emulator, KubernetesClient reaching the stand-in through a kubeconfig file, and controllers started against them.
/// </summary>
internal sealed class OperatorSession : IAsyncDisposable
{
    public const string Namespace = "jobs";

    private readonly List<Running> _running = [];
    private readonly string _kubeconfig;
    private readonly HttpClient _http;

    private OperatorSession(KubernetesApiStandIn api, PlatformEmulator emulator, VvpPlatformHttpClient platform, HttpClient http, string kubeconfig)
    {
        Api = api;
        Emulator = emulator;
        Platform = platform;
        _http = http;
        _kubeconfig = kubeconfig;
    }

    public KubernetesApiStandIn Api { get; }

    public PlatformEmulator Emulator { get; }

    public VvpPlatformHttpClient Platform { get; }

    public InMemoryPlatform Vvp => Emulator.Platform;

    public CollectingLoggerProvider Logs { get; } = new();

    public static async Task<OperatorSession> StartAsync(TimeSpan? transition = null)
    {
        var api = await KubernetesApiStandIn.StartAsync();
        var emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = transition ?? TimeSpan.FromMilliseconds(500) }));
        var (platform, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress, RequestTimeout = TimeSpan.FromSeconds(10) });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-kubeconfig-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        return new OperatorSession(api, emulator, platform, http, kubeconfig);
    }

    /// <summary>Options with timings short enough for tests; <paramref name="configure"/> changes them further.</summary>
    public static VvpOperatorOptions Options(string identity = "vvp-1", string holder = "pod-a", Action<VvpOperatorOptions>? configure = null)
    {
        var options = new VvpOperatorOptions
        {
            Identity = identity,
            HolderIdentity = holder,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(400),
            ResyncPeriod = TimeSpan.FromMinutes(10),
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromSeconds(2),
            KubernetesCallTimeout = TimeSpan.FromSeconds(2),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        };
        options.Reconciler.TransitioningRequeue = TimeSpan.FromMilliseconds(300);
        options.Reconciler.FailureRequeue = TimeSpan.FromMilliseconds(300);
        options.Reconciler.MaxFailureRequeue = TimeSpan.FromSeconds(2);
        options.Reconciler.TransientRetryDelay = TimeSpan.FromMilliseconds(20);
        options.WatchedNamespaces.Add(Namespace);
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Starts a controller (a replica) in the background.</summary>
    public Running Start(VvpOperatorOptions options) => Start(options, decoratePlatform: null);

    /// <summary>Starts a controller whose platform port is the REST adapter as <paramref name="decoratePlatform"/> wraps it.</summary>
    public Running Start(VvpOperatorOptions options, Func<IPlatformClient, IPlatformClient>? decoratePlatform)
    {
        var severable = new SeverableHandler();
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig), severable);
        // The path production takes: the REST adapter with its resilience handler, the reconciler AddVvpReconciliation
        // registers, the operator AddVvpOperator registers, all from one container.
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(client);
        services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = Emulator.BaseAddress;
            o.RequestTimeout = TimeSpan.FromSeconds(10);
        });
        if (decoratePlatform is not null)
        {
            services.AddSingleton(provider => decoratePlatform(provider.GetRequiredService<VvpPlatformHttpClient>()));
        }

        services.AddVvpOperator(_ => { });
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        var provider = services.BuildServiceProvider();
        var controller = provider.GetRequiredService<Vvp.Reconciliation.Kubernetes.Hosting.VvpOperatorService>().Controller!;
        var stop = new CancellationTokenSource();
        var running = new Running(controller, client, severable, provider, stop, Task.Run(() => controller.RunAsync(stop.Token)));
        _running.Add(running);
        return running;
    }

    /// <summary>The controllers started in this session.</summary>
    public IEnumerable<VvpController> Controllers => _running.Select(r => r.Controller);

    /// <summary>Applies a CR in the watched namespace, as <c>kubectl apply</c> of a new file would.</summary>
    public JsonObject Apply(string name, JsonObject? document = null, string ns = Namespace)
    {
        var cr = document ?? TestCrs.SeedDocument();
        var metadata = (JsonObject)cr["metadata"]!;
        metadata["name"] = name;
        metadata["namespace"] = ns;
        ((JsonObject)cr["spec"]!["deployment"]!["userMetadata"]!)["name"] = name;
        return Api.Create(ApiResource.VvpDeployments, ns, cr);
    }

    public JsonObject? Cr(string name, string ns = Namespace) => Api.Get(ApiResource.VvpDeployments, ns, name);

    public string? State(string name) => JsonRead.String(Cr(name), "status", "customResourceStatus", "customResourceState");

    public JsonObject Edit(string name, Action<JsonObject> edit) => Api.Update(ApiResource.VvpDeployments, Namespace, name, edit);

    /// <summary>Writes to CRs (spec, status, finalizers) the stand-in answered.</summary>
    public int CrWrites() => Api.Calls.Count(c => c.IsWrite && c.Resource.StartsWith("vvpdeployments", StringComparison.Ordinal) && c.StatusCode is >= 200 and < 300);

    public int PlatformCreates() => Vvp.Calls.Count(c => c.Operation == PlatformOperation.CreateDeployment);

    public static async Task Eventually(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var running in _running)
        {
            await running.DisposeAsync();
        }

        _http.Dispose();
        await Emulator.DisposeAsync();
        await Api.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    /// <summary>A controller running in the background.</summary>
    internal sealed class Running(VvpController controller, k8s.Kubernetes client, SeverableHandler severable, ServiceProvider services, CancellationTokenSource stop, Task run) : IAsyncDisposable
    {
        public VvpController Controller { get; } = controller;

        public Task Run { get; } = run;

        /// <summary>Stops it as SIGTERM would, and waits.</summary>
        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await Run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        /// <summary>Cuts it off from the API, as a killed or partitioned pod is: no graceful stop, no lease release.</summary>
        public void Kill() => severable.Severed = true;

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await Run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is NamespaceLockException or ObjectDisposedException or OperationCanceledException)
            {
                // Its test looked at that already.
            }

            await services.DisposeAsync();
            client.Dispose();
            stop.Dispose();
        }
    }
}

/// <summary>A handler that fails every request once severed, as the network of a dead pod does.</summary>
internal sealed class SeverableHandler : DelegatingHandler
{
    private volatile bool _severed;

    public bool Severed
    {
        get => _severed;
        set => _severed = value;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _severed ? Task.FromException<HttpResponseMessage>(new HttpRequestException("severed")) : base.SendAsync(request, cancellationToken);
}

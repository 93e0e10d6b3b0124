using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Hosting;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Operator;

/// <summary>
/// The operator process. Settings come from <c>appsettings.json</c>, environment variables
/// (<c>vvp__k8sOperator__identity</c>, …) and the command line, under the documentation's names:
/// <c>vvp:k8sOperator</c> (enabled, identity, watchedNamespaces, and the controller's settings) and
/// <c>vvp:platform</c> (baseAddress, allowInsecureHttp, …), <c>vvp:webhook</c> (<see cref="WebhookSettings"/>),
/// <c>vvp:metrics</c> (<see cref="MetricsSettings"/>). It serves <c>/healthz</c> and <c>/readyz</c> on <c>--urls</c>,
/// <c>/metrics</c> on a port of its own, and with the webhook enabled <see cref="WebhookSettings.Path"/> over HTTPS. Exit codes: 0 after a clean stop (SIGTERM), 1 when a watched namespace belongs to another
/// identity, 2 for invalid settings.
/// </summary>
internal static class OperatorHost
{
    /// <summary>The usage text; the settings it lists are the ones the bindings read.</summary>
    public static string Usage { get; } = string.Join(
        Environment.NewLine,
        "Usage: vvp-operator [--json-logs] [--urls http://0.0.0.0:8080] [--key=value]... | --help | --version",
        "  --json-logs  one JSON object per log line.",
        "  --urls       where /healthz and /readyz are served (/metrics is served on vvp:metrics:url, default http://0.0.0.0:8081).",
        "To try it on one machine without a cluster: dotnet run --project samples/LocalOperator",
        "Settings (files, environment, or --vvp:k8sOperator:identity=vvp-1 on the command line):",
        Wrapped("vvp:k8sOperator:", VvpOperatorOptions.SettingNames),
        Wrapped("vvp:platform:", VvpPlatformClientOptions.SettingNames),
        Wrapped("vvp:webhook:", WebhookSettings.Names),
        Wrapped("vvp:metrics:", MetricsSettings.Names),
        "Durations are seconds (20) or hh:mm:ss (00:00:20).");

    // Every option the operator does not read: a flag it does not know, or a setting key under vvp: that is not one of the
    // settings (a typo would otherwise be ignored and the default silently used). Logging: and other .NET host keys pass.
    internal static List<string> UnknownOptions(IReadOnlyList<string> args)
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (prefix, names) in new[] { ("vvp:k8sOperator:", VvpOperatorOptions.SettingNames), ("vvp:platform:", VvpPlatformClientOptions.SettingNames), ("vvp:webhook:", WebhookSettings.Names), ("vvp:metrics:", MetricsSettings.Names) })
        {
            known.UnionWith(names.Select(n => prefix + n));
        }

        var unknown = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                unknown.Add(arg);
                continue;
            }

            var key = arg.TrimStart('-').Split('=', 2)[0];
            var hasValue = arg.Contains('=', StringComparison.Ordinal);
            if (arg is "--json-logs")
            {
                continue;
            }

            if (key.Equals("urls", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase) ||
                known.Contains(key) || known.Any(k => key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase)))
            {
                // A value follows unless it is given with '='.
                i += hasValue ? 0 : 1;
                continue;
            }

            unknown.Add(arg.Split('=', 2)[0]);
            i += hasValue || i + 1 >= args.Count || args[i + 1].StartsWith('-') ? 0 : 1;
        }

        return unknown;
    }

    // "  prefix name, name, …" folded at 110 columns.
    private static string Wrapped(string prefix, IReadOnlyList<string> names)
    {
        var lines = new List<string>();
        var line = "  " + prefix;
        for (var i = 0; i < names.Count; i++)
        {
            var word = names[i] + (i < names.Count - 1 ? "," : ";");
            if (line.Length + word.Length + 1 > 110)
            {
                lines.Add(line);
                line = "   ";
            }

            line += (line.EndsWith(':') ? string.Empty : " ") + word;
        }

        lines.Add(line);
        return string.Join(Environment.NewLine, lines);
    }

    public static async Task<int> RunAsync(string[] args, OperatorEnvironment? environment = null, Action<WebApplication>? started = null, CancellationToken cancellationToken = default)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (args.Any(a => a is "--version"))
        {
            Console.WriteLine($"vvp-operator {typeof(OperatorHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown"}");
            return 0;
        }

        if (UnknownOptions(args) is { Count: > 0 } unknown)
        {
            await Console.Error.WriteLineAsync($"vvp-operator: unknown option(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; see vvp-operator --help.").ConfigureAwait(false);
            return 2;
        }

        var jsonLogs = args.Contains("--json-logs");
        var rest = args.Where(a => a is not "--json-logs").ToArray();

        WebApplication app;
        try
        {
            app = Build(rest, environment, jsonLogs);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            await Console.Error.WriteLineAsync($"vvp-operator: invalid settings: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            // Every setting is bound and checked before the host starts (and before it logs anything): one line naming
            // each invalid setting, exit 2.
            if (InvalidSettings(app.Services) is { Count: > 0 } problems)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: invalid settings: {string.Join("; ", problems)}").ConfigureAwait(false);
                return 2;
            }

            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vvp.Reconciliation.Operator");
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: invalid settings: {string.Join(" ", ex.Failures)}").ConfigureAwait(false);
                return 2;
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: invalid settings: {ex.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (k8s.Exceptions.KubeConfigException ex)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: the Kubernetes client cannot be configured: {ex.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (IOException ex)
            {
                // Kestrel's bind failures (an address in use, a port the process may not open) name the address.
                await Console.Error.WriteLineAsync($"vvp-operator: cannot serve: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            if (environment is not null)
            {
                Log.Embedded(logger, environment.Description, string.Join(", ", app.Urls));
            }

            started?.Invoke(app);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            var service = app.Services.GetRequiredService<VvpOperatorService>();
            if (service.Refusal is { } refusal)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: {refusal.Message}").ConfigureAwait(false);
                return 1;
            }

            if (service.ExecuteTask is { IsFaulted: true } failed)
            {
                await Console.Error.WriteLineAsync($"vvp-operator: {failed.Exception!.GetBaseException().Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        }
    }

    // Reads each options object once, collecting what binding and validation say about all of them.
    private static List<string> InvalidSettings(IServiceProvider services)
    {
        var problems = new List<string>();
        foreach (var read in new Action[]
        {
            () => _ = services.GetRequiredService<IOptions<VvpOperatorOptions>>().Value,
            () => _ = services.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value,
        })
        {
            try
            {
                read();
            }
            catch (OptionsValidationException ex)
            {
                problems.AddRange(ex.Failures);
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }

        return problems;
    }

    internal static WebApplication Build(string[] args, OperatorEnvironment? environment, bool jsonLogs)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // The meters are listened to from the start, for the application's life: counters recorded before the first
        // scrape count too (gauges are read at each scrape).
        var export = new PrometheusExport();
        // Returned by factories, so that the container disposes them with the host (resolved below, at once).
        builder.Services.AddSingleton(_ => export);
        var urls = builder.Configuration["urls"];
        if (environment is not null)
        {
            // The local defaults come first: settings given on the command line or in the environment still win.
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = environment.Settings });
            builder.Services.AddSingleton(environment.Kubernetes);
            urls ??= environment.DefaultUrls;
        }

        urls ??= "http://0.0.0.0:8080";
        var metrics = MetricsSettings.Read(builder.Configuration.GetSection("vvp:metrics"), urls, environment?.DefaultMetricsUrl ?? "http://0.0.0.0:8081");
        urls = $"{urls};{metrics.Url}";
        var webhook = WebhookSettings.Read(builder.Configuration.GetSection("vvp:webhook"));
        if (webhook.Enabled)
        {
            // The admission webhook listens on its own HTTPS address, with a certificate read again when it is renewed.
            var certificate = ServingCertificate.Load(webhook.CertFile, webhook.KeyFile);
            builder.Services.AddSingleton(certificate);
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = (_, _) => certificate.Current));
            urls = $"{urls};{webhook.Url}";
        }

        builder.WebHost.UseUrls(urls);

        builder.Logging.ClearProviders();
        // One line per write and per failure; the HTTP plumbing only when something is wrong.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Each reconcile is an Activity (ActivitySource Vvp.Reconciliation, sampled here), so its log lines carry the trace id
        // beside the CR's key.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        var activities = ReconcileActivities.Listen();
        builder.Services.AddSingleton(_ => activities);
        if (jsonLogs)
        {
            // One JSON object per line: an ISO-8601 UTC timestamp, the level, the category, the message, and the scopes
            // (the CR's namespace and name, the trace and span ids).
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.IncludeScopes = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }

        var operatorSection = builder.Configuration.GetSection("vvp:k8sOperator");
        var meter = new Meter(PrometheusExport.OperatorMeterName);
        var platformCalls = meter.CreateCounter<long>("vvp.operator.platform.calls", unit: "{call}", description: "Calls to the platform, by operation and outcome (success or the failure's kind).");
        var platformRequests = meter.CreateCounter<long>("vvp.operator.platform.requests", unit: "{request}", description: "HTTP requests to the platform (each attempt), by method and status code (<error> when no answer came).");
        var platformDuration = meter.CreateHistogram<double>("vvp.operator.platform.request.duration", unit: "s", description: "How long an HTTP request to the platform took until its answer's headers, by method.");
        builder.Services.AddSingleton(_ => meter);
        builder.Services.AddVvpPlatformClient(builder.Configuration.GetSection("vvp:platform"))
            .AddHttpMessageHandler(() => new PlatformRequestMetrics(platformRequests, platformDuration));
        builder.Services.AddSingleton<IPlatformClient>(provider => new MeteredPlatformClient(provider.GetRequiredService<VvpPlatformHttpClient>(), platformCalls));
        builder.Services.AddVvpOperator(operatorSection);
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<VvpOperatorOptions>>((options, operatorOptions) =>
        {
            options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
            try
            {
                // SIGTERM: in-flight reconciles get the operator's grace (the one bound setting); the host waits a little longer.
                options.ShutdownTimeout = operatorOptions.Value.ShutdownGrace + TimeSpan.FromSeconds(5);
            }
            catch (Exception ex) when (ex is OptionsValidationException or ArgumentException)
            {
                // Invalid settings are reported, all of them, before the host starts; it never runs with these.
            }
        });
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration("controller-alive", sp => new ControllerCheck(sp.GetRequiredService<VvpOperatorService>(), ready: false), HealthStatus.Unhealthy, ["live"]))
            .Add(new HealthCheckRegistration("controller-ready", sp => new ControllerCheck(sp.GetRequiredService<VvpOperatorService>(), ready: true), HealthStatus.Unhealthy, ["ready"]));

        var app = builder.Build();
        // Owned by the container from here: the listeners and the meter end with the host, not with the process.
        _ = app.Services.GetRequiredService<PrometheusExport>();
        _ = app.Services.GetRequiredService<ReconcileActivities>();
        _ = app.Services.GetRequiredService<Meter>();
        // The metrics port serves /metrics only, and /metrics is served on no other port.
        var metricsPort = metrics.Url.Port;
        app.Use((context, next) =>
        {
            if ((context.Connection.LocalPort == metricsPort) != context.Request.Path.Equals(MetricsSettings.Path, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.MapMetrics(MetricsSettings.Path, export.Registry);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        if (webhook.Enabled)
        {
            app.MapPost(WebhookSettings.Path, ReviewAsync);
        }

        return app;
    }

    // The admission webhook: an AdmissionReview in, the verdict of the library's validator out (HTTPS only).
    private static async Task ReviewAsync(HttpContext context)
    {
        if (!context.Request.IsHttps)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Vvp.Reconciliation.Operator.Webhook");
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        System.Text.Json.Nodes.JsonNode? review;
        System.Text.Json.Nodes.JsonObject answer;
        try
        {
            // Parsed here, not inside Review, so that a refusal's log line can name the CR.
            review = VvpAdmission.Parse(body.GetBuffer().AsSpan(0, (int)body.Length));
            answer = VvpAdmission.Review(review);
        }
        catch (FormatException ex)
        {
            Log.ReviewUnreadable(logger, ex.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(ex.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (answer["response"]?["allowed"]?.GetValue<bool>() == false)
        {
            var request = review!["request"];
            var key = DisplayText.Clean($"{Json.JsonRead.String(request, "namespace")}/{Json.JsonRead.String(request, "name") ?? Json.JsonRead.String(request, "object", "metadata", "generateName")}", 300);
            Log.Refused(logger, key, answer["response"]!["status"]!["message"]!.GetValue<string>());
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Samples the reconciler's activities so that they exist (and give log lines a trace id) without a tracer.</summary>
    private sealed class ReconcileActivities : IDisposable
    {
        private readonly System.Diagnostics.ActivityListener _listener;

        private ReconcileActivities(System.Diagnostics.ActivityListener listener) => _listener = listener;

        public static ReconcileActivities Listen()
        {
            var listener = new System.Diagnostics.ActivityListener
            {
                ShouldListenTo = source => source.Name == Vvp.Reconciliation.Reconciling.ReconcilerTelemetry.Name,
                Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            };
            System.Diagnostics.ActivitySource.AddActivityListener(listener);
            return new ReconcileActivities(listener);
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Liveness: no failure, and a loop ticked within a minute. Readiness: <see cref="VvpOperatorHealth.IsReady"/>.</summary>
    private sealed class ControllerCheck(VvpOperatorService service, bool ready) : IHealthCheck
    {
        private static readonly TimeSpan StallAfter = TimeSpan.FromMinutes(1);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (service.Controller is not { } controller)
            {
                return Task.FromResult(HealthCheckResult.Healthy("The operator is disabled."));
            }

            var health = controller.Health;
            var state = $"locks held: {health.LocksHeld}, leading: {health.IsLeading}, caches synced: {health.CachesSynced}";
            var healthy = ready ? health.IsReady : health.IsAlive(StallAfter);
            return Task.FromResult(healthy
                ? HealthCheckResult.Healthy(state)
                : HealthCheckResult.Unhealthy(health.Failure ?? (ready ? $"Not ready ({state})." : health.StaleInformer ?? $"No loop ticked for {StallAfter.TotalSeconds:0} s.")));
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The <c>vvp-operator</c> program as a process, as a platform team runs it.</summary>
public sealed class OperatorProcessTests
{
    [Fact]
    public async Task Local_mode_reconciles_the_example_CR_serves_health_and_metrics_and_stops_cleanly_on_SIGTERM()
    {
        using var local = await LocalWithPorts.StartReadyAsync();
        var (process, http, scraper) = (local.Process, local.Probes, local.Metrics);
        try
        {
            await Until(async () => Sum(await Get(scraper, "metrics"), "vvp_reconciliation_reconciles_total") >= 1, "the reconcile counter moved");
            (await Get(http, "healthz")).Status.Should().Be(HttpStatusCode.OK);
            var metrics = (await Get(scraper, "metrics")).Body;
            metrics.Should().Contain("vvp_operator_kubernetes_writes_total{kind=\"status\"}");
            metrics.Should().Contain("vvp_operator_platform_calls_total{operation=\"create\",outcome=\"success\"} 1");

            var stopwatch = Stopwatch.StartNew();
            Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            process.ExitCode.Should().Be(0);
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(25), "the default grace is 13 s");
            var output = await process.StandardOutput.ReadToEndAsync();
            output.Should().Contain("vvp-jobs/test-cr: status updated").And.Contain("released its lease");
            (await process.StandardError.ReadToEndAsync()).Should().NotContain("Unhandled exception");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    // The families docs/observability.md lists: the controller-runtime set under vvp_operator_, the reconciler's under
    // vvp_reconciliation_, with their types and label names.
    public static readonly TheoryData<string, string, string> Families = new()
    {
        { "vvp_operator_reconcile_total", "counter", "result" },
        { "vvp_operator_reconcile_errors_total", "counter", "" },
        { "vvp_operator_reconcile_time_seconds", "histogram", "result" },
        { "vvp_operator_workqueue_depth", "gauge", "" },
        { "vvp_operator_workqueue_adds_total", "counter", "" },
        { "vvp_operator_workqueue_queue_duration_seconds", "histogram", "trigger" },
        { "vvp_operator_workqueue_work_duration_seconds", "histogram", "" },
        { "vvp_operator_workqueue_retries_total", "counter", "" },
        { "vvp_operator_workqueue_unfinished_work_seconds", "gauge", "" },
        { "vvp_operator_workqueue_longest_running_processor_seconds", "gauge", "" },
        { "vvp_operator_active_workers", "gauge", "" },
        { "vvp_operator_max_concurrent_reconciles", "gauge", "" },
        { "vvp_operator_leading", "gauge", "" },
        { "vvp_operator_kubernetes_writes_total", "counter", "kind" },
        { "vvp_operator_kubernetes_requests_total", "counter", "code,verb" },
        { "vvp_operator_kubernetes_request_duration_seconds", "histogram", "verb" },
        { "vvp_operator_platform_calls_total", "counter", "operation,outcome" },
        { "vvp_operator_platform_requests_total", "counter", "code,method" },
        { "vvp_operator_platform_request_duration_seconds", "histogram", "method" },
        { "vvp_reconciliation_reconciles_total", "counter", "result" },
        { "vvp_reconciliation_writes_total", "counter", "kind" },
        { "vvp_reconciliation_duration_seconds", "histogram", "result" },
        { "process_cpu_seconds_total", "counter", "" },
        { "process_working_set_bytes", "gauge", "" },
    };

    [SkippableFact]
    public async Task Metrics_are_served_on_their_own_port_with_Prometheus_types_names_units_and_labels_and_pass_promtool()
    {
        using var local = await LocalWithPorts.StartReadyAsync();
        var (process, http, scraper) = (local.Process, local.Probes, local.Metrics);
        try
        {
            // The handling of the example CR's key is counted once it has ended (after its status write).
            await Until(async () => Sum(await Get(scraper, "metrics"), "vvp_operator_reconcile_total", "result=\"success\"") >= 1, "the example CR's key was handled");
            var scrape = await Get(scraper, "metrics");

            scrape.Status.Should().Be(HttpStatusCode.OK);
            (await Get(http, "metrics")).Status.Should().Be(HttpStatusCode.NotFound, "the probes' port serves no metrics");
            (await Get(scraper, "healthz")).Status.Should().Be(HttpStatusCode.NotFound, "the metrics port serves nothing else");
            (await Get(http, "healthz")).Status.Should().Be(HttpStatusCode.OK, "the positive control: the probes' port answers");

            var problems = new List<string>();
            var families = PrometheusText.Parse(scrape.Body, problems);
            problems.Should().BeEmpty();
            foreach (var row in Families)
            {
                var (name, type, labels) = ((string)row[0], (string)row[1], (string)row[2]);
                families.Should().ContainKey(name);
                families[name].Type.Should().Be(type, name);
                families[name].Help.Should().NotBeNullOrWhiteSpace(name);
                if (families[name].Samples.FirstOrDefault() is { } sample)
                {
                    string.Join(",", sample.Labels.Keys.Where(k => k != "le").Order(StringComparer.Ordinal)).Should().Be(labels, name);
                }
            }

            var ours = families.Keys.Where(n => n.StartsWith("vvp", StringComparison.Ordinal)).ToList();
            var documented = File.ReadAllLines(Path.Combine(SharedFolder.RepositoryRoot(), "docs", "observability.md"))
                .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\| `(?<name>vvp_[a-z_]+)` \| (?<type>[a-z]+) \|"))
                .Where(m => m.Success)
                .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value);
            documented.Should().BeEquivalentTo(ours.ToDictionary(n => n, n => families[n].Type), "docs/observability.md lists the families as scraped");
            var typeLines = File.ReadAllLines(Path.Combine(SharedFolder.RepositoryRoot(), "docs", "operator.md"))
                .Select(l => l.Trim()).Where(l => l.StartsWith("# TYPE vvp_", StringComparison.Ordinal)).ToList();
            typeLines.Should().BeEquivalentTo(ours.Select(n => $"# TYPE {n} {families[n].Type}"), "docs/operator.md shows the families as scraped");
            ours.Should().OnlyContain(n => n.StartsWith("vvp_operator_", StringComparison.Ordinal) || n.StartsWith("vvp_reconciliation_", StringComparison.Ordinal));
            ours.Should().NotContain(n => n.Contains("vvp_reconciliation_vvp", StringComparison.Ordinal) || n.Contains("_operator_vvp_", StringComparison.Ordinal), "one prefix");
            ours.Where(n => n.Contains("duration", StringComparison.Ordinal) || n.Contains("_time", StringComparison.Ordinal))
                .Should().OnlyContain(n => n.EndsWith("_seconds", StringComparison.Ordinal), "durations are in seconds");

            // The values move as the work did: the example CR was queued by a change, taken and reconciled once.
            Sum(scrape, "vvp_operator_workqueue_adds_total").Should().BeGreaterThanOrEqualTo(1);
            Sum(scrape, "vvp_operator_workqueue_queue_duration_seconds_count", "trigger=\"change\"").Should().BeGreaterThanOrEqualTo(1);
            Sum(scrape, "vvp_operator_reconcile_total", "result=\"success\"").Should().BeGreaterThanOrEqualTo(1);
            Sum(scrape, "vvp_operator_kubernetes_requests_total", "verb=\"watch\"").Should().BeGreaterThanOrEqualTo(1);
            Sum(scrape, "vvp_operator_platform_requests_total", "method=\"POST\",code=\"201\"").Should().Be(1, "one create");
            Sum(scrape, "vvp_operator_leading").Should().Be(1);
            Sum(scrape, "vvp_operator_max_concurrent_reconciles").Should().Be(4);

            var (exit, output) = await Promtool.CheckMetricsAsync(scrape.Body);
            (exit, output).Should().Be((0, ""), "promtool check metrics finds nothing to complain about");
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public void The_scrape_checker_finds_what_breaks_the_text_format_and_the_conventions()
    {
        var problems = new List<string>();
        PrometheusText.Parse(
            string.Join('\n',
                "# TYPE vvp_a counter", "vvp_a 1",
                "vvp_untyped 2",
                "# TYPE vvp_b_seconds histogram",
                "vvp_b_seconds_bucket{le=\"1\"} 3", "vvp_b_seconds_bucket{le=\"+Inf\"} 2", "vvp_b_seconds_sum 1", "vvp_b_seconds_count 2",
                "# TYPE vvp_c gauge", "vvp_c{x=\"1\"} 1", "vvp_c{y=\"1\"} 1"),
            problems);

        problems.Should().BeEquivalentTo(
            "vvp_untyped has no TYPE line before it",
            "counter vvp_a does not end in _total",
            "histogram vvp_b_seconds{}: buckets are not cumulative in increasing le",
            "vvp_c: samples with different label names (x | y)");
    }

    [Fact]
    public async Task Every_instrument_of_the_exported_meters_has_its_labels_declared()
    {
        // The host's own meter (platform calls and requests) and a controller with its reconciler.
        await using var app = Vvp.Reconciliation.Operator.OperatorHost.Build(
            ["--vvp:k8sOperator:watchedNamespaces=jobs", "--vvp:platform:baseAddress=https://vvp.example.com/", $"--vvp:metrics:url=http://127.0.0.1:{FreePort()}"],
            null,
            jsonLogs: false);
        var export = app.Services.GetRequiredService<Vvp.Reconciliation.Operator.PrometheusExport>();
        using var controller = new Vvp.Reconciliation.Kubernetes.VvpController(
            new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }),
            new Vvp.Reconciliation.Testing.InMemoryPlatform(),
            new Vvp.Reconciliation.Kubernetes.VvpOperatorOptions { Enabled = true, WatchedNamespaces = { "jobs" } });

        export.Unexported.Should().BeEmpty();
        var scrape = await ScrapeAsync(export.Registry);
        scrape.Should().Contain("# TYPE vvp_operator_platform_requests_total counter", "the positive control: the host's meter is exported")
            .And.Contain("# TYPE vvp_operator_workqueue_queue_duration_seconds histogram", "the controller's too")
            .And.Contain("# TYPE vvp_reconciliation_reconciles_total counter", "and the reconciler's");
    }

    private static async Task<string> ScrapeAsync(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData("--vvp:k8sOperator:deletionPolicy=Delet", "vvp:k8sOperator:deletionPolicy = 'Delet' is not one of Orphan, Cancel, Delete")]
    [InlineData("--vvp:platform:baseAddress=http://vvp.example.com/", "vvp.platform.allowInsecureHttp")]
    [InlineData("--vvp:k8sOperator:watchedNamespaces=Jobs", "'Jobs' is not a Kubernetes namespace name")]
    public async Task Invalid_settings_exit_with_code_2_and_a_message_naming_the_setting(string setting, string message)
    {
        using var process = Start(null, "--urls", $"http://127.0.0.1:{FreePort()}", "--vvp:platform:baseAddress=https://vvp.example.com/", setting);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        process.ExitCode.Should().Be(2);
        var error = await process.StandardError.ReadToEndAsync();
        error.Should().Contain(message).And.NotContain("Unhandled exception");
    }

    [Theory]
    [InlineData("--urls")]
    [InlineData("--vvp:metrics:url")]
    public async Task An_address_in_use_exits_with_code_1_naming_it_without_a_stack_trace(string option)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        string[] args = option == "--urls"
            ? ["--urls", address, $"--vvp:metrics:url=http://127.0.0.1:{FreePort()}"]
            : ["--urls", $"http://127.0.0.1:{FreePort()}", $"--vvp:metrics:url={address}"];
        using var process = StartLocal(args);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        process.ExitCode.Should().Be(1);
        var error = await process.StandardError.ReadToEndAsync();
        error.Should().Contain($"vvp-operator: cannot serve: Failed to bind to address {address}: address already in use.")
            .And.NotContain("Unhandled exception").And.NotContain(" at ");
    }

    [Fact]
    public async Task Help_lists_every_setting_the_bindings_read()
    {
        using var process = Start(null, "--help");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        process.ExitCode.Should().Be(0);
        Vvp.Reconciliation.Kubernetes.VvpOperatorOptions.SettingNames.Should().Contain("listPlatformNamespaces").And.Contain("transitioningRequeue");
        foreach (var name in Vvp.Reconciliation.Kubernetes.VvpOperatorOptions.SettingNames.Concat(Vvp.Reconciliation.Http.VvpPlatformClientOptions.SettingNames))
        {
            output.Should().MatchRegex($"[ :]{name}[,;]", "--help names {0}", name);
        }

        output.Should().Contain("vvp:webhook:enabled, url, certFile, keyFile;").And.Contain("vvp:metrics:url;").And.Contain("caFile");
    }

    [Fact]
    public async Task JSON_logs_carry_an_ISO_8601_UTC_timestamp_the_level_the_category_the_CR_key_and_the_trace_id()
    {
        var port = FreePort();
        using var process = StartLocal("--json-logs", "--urls", $"http://127.0.0.1:{port}");
        var lines = new List<string>();
        try
        {
            while (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
            {
                lines.Add(line);
                if (line.Contains("status updated", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            process.Kill();
        }

        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            var entry = JsonNode.Parse(line)!.AsObject();
            entry["Timestamp"]!.GetValue<string>().Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", line);
            entry["LogLevel"]!.GetValue<string>().Should().NotBeEmpty();
            entry["Category"]!.GetValue<string>().Should().NotBeEmpty();
        }

        var written = JsonNode.Parse(lines.Single(l => l.Contains("status updated", StringComparison.Ordinal)))!;
        var scopes = written["Scopes"]!.AsArray().OfType<JsonObject>().SelectMany(s => s).Where(p => p.Key != "Message").GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value?.ToString());
        (scopes["Namespace"], scopes["Name"]).Should().Be(("vvp-jobs", "test-cr"));
        scopes["TraceId"].Should().MatchRegex("^[0-9a-f]{32}$");
    }

    [Fact]
    public async Task Version_prints_the_version_and_starts_nothing()
    {
        using var process = Start(null, "--version");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        process.ExitCode.Should().Be(0);
        output.Should().MatchRegex(@"^vvp-operator \d+\.\d+\.\d+").And.NotContain("invalid settings");
    }

    [Theory]
    [InlineData("--jsonlogs", "'--jsonlogs'")]
    [InlineData("--vvp:k8sOperator:identty=vvp-1", "'--vvp:k8sOperator:identty'")]
    [InlineData("--vvp:webhook:enable=true", "'--vvp:webhook:enable'")]
    [InlineData("stray", "'stray'")]
    public async Task An_unknown_option_is_refused_with_exit_code_2_naming_it(string option, string named)
    {
        using var process = Start(null, "--urls", $"http://127.0.0.1:{FreePort()}", option);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        process.ExitCode.Should().Be(2);
        (await process.StandardError.ReadToEndAsync()).Should().Contain($"unknown option(s) {named}").And.NotContain(" at ");
    }

    [Fact]
    public void Every_form_of_a_known_setting_passes_the_option_check()
    {
        Vvp.Reconciliation.Operator.OperatorHost.UnknownOptions(
        [
            "--json-logs", "--urls", "http://127.0.0.1:1", "--urls=http://127.0.0.1:2",
            "--vvp:k8sOperator:identity=vvp-1", "--vvp:k8sOperator:watchedNamespaces:0=jobs", "--vvp:k8sOperator:listPlatformNamespaces", "true",
            "--vvp:platform:baseAddress", "https://vvp.example.com/", "--vvp:webhook:enabled=true", "--Logging:LogLevel:Default=Debug",
        ]).Should().BeEmpty();
    }

    [Fact]
    public void The_operator_program_holds_none_of_the_test_doubles()
    {
        var operatorDeps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vvp-operator.deps.json"));
        var localDeps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vvp-operator-local.deps.json"));

        localDeps.Should().Contain("Vvp.Reconciliation.Kubernetes.Testing").And.Contain("vvp-emulator", "the positive control: the local sample carries them");
        operatorDeps.Should().Contain("Vvp.Reconciliation.Kubernetes/");
        operatorDeps.Should().NotContain("Vvp.Reconciliation.Kubernetes.Testing")
            .And.NotContain("Vvp.Reconciliation.Testing")
            .And.NotContain("vvp-emulator");
    }

    [Fact]
    public async Task Every_invalid_setting_is_named_by_its_key_in_one_line_without_a_stack_trace()
    {
        using var process = Start(
            null,
            "--urls", $"http://127.0.0.1:{FreePort()}",
            "--vvp:platform:baseAddress=https://vvp.example.com/",
            "--vvp:k8sOperator:watchedNamespaces=VVP_Jobs",
            "--vvp:k8sOperator:workers=0",
            "--vvp:k8sOperator:resyncPeriod=0");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        process.ExitCode.Should().Be(2);
        var error = (await process.StandardError.ReadToEndAsync()).Trim();
        error.Should().StartWith("vvp-operator: invalid settings: ");
        error.Should().Contain("vvp.k8sOperator.watchedNamespaces: 'VVP_Jobs' is not a Kubernetes namespace name")
            .And.Contain("vvp.k8sOperator.workers must be at least 1")
            .And.Contain("vvp.k8sOperator.resyncPeriod must be positive")
            .And.NotContain("ReconcilerOptions").And.NotContain("VvpOperatorOptions");
        error.Split('\n').Should().HaveCount(1, "one line");
        (await process.StandardOutput.ReadToEndAsync()).Should().NotContain(" at ", "no stack trace is logged before the message");
    }

    [Theory]
    [InlineData("20")]
    [InlineData("00:00:20")]
    public async Task ShutdownGrace_is_read_by_one_duration_rule_for_the_controller_and_the_host(string grace)
    {
        await using var app = Vvp.Reconciliation.Operator.OperatorHost.Build(
            [$"--vvp:k8sOperator:shutdownGrace={grace}", "--vvp:k8sOperator:watchedNamespaces=jobs", "--vvp:platform:baseAddress=https://vvp.example.com/"],
            null,
            jsonLogs: false);

        var controller = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Vvp.Reconciliation.Kubernetes.VvpOperatorOptions>>().Value;
        var host = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value;

        controller.ShutdownGrace.Should().Be(TimeSpan.FromSeconds(20));
        host.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(25), "the host waits the operator's grace and a little more");
    }

    [Fact]
    public async Task A_namespace_owned_by_another_identity_exits_with_code_1_naming_the_owner()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        await using var emulator = await PlatformEmulator.StartAsync();
        api.Create(ApiResource.ConfigMaps, "jobs", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "ververica-operator-leader-election" },
            ["data"] = new JsonObject { ["identity"] = "vvp-other" },
        });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-kubeconfig-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        try
        {
            using var process = Start(
                kubeconfig,
                "--urls", $"http://127.0.0.1:{FreePort()}",
                "--vvp:k8sOperator:identity=vvp-1",
                "--vvp:k8sOperator:watchedNamespaces=jobs",
                $"--vvp:platform:baseAddress={emulator.BaseAddress}");
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            process.ExitCode.Should().Be(1);
            (await process.StandardError.ReadToEndAsync()).Should().Contain("namespace 'jobs' is owned by the operator 'vvp-other'");
            var log = await process.StandardOutput.ReadToEndAsync();
            log.Should().Contain("must not start", "the positive control: the refusal is logged, once")
                .And.NotContain("BackgroundService failed").And.NotContain("   at ", "no stack trace for a documented refusal");
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    // samples/LocalOperator: the operator with its own stand-ins, as the README's local command runs it.
    private static Process StartLocal(params string[] args) => Start(null, args, "vvp-operator-local");

    private static Process Start(string? kubeconfig, params string[] args) => Start(kubeconfig, args, "vvp-operator");

    private static Process Start(string? kubeconfig, string[] args, string program)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (!args.Any(a => a.StartsWith("--vvp:metrics:url", StringComparison.Ordinal)))
        {
            // Tests run side by side: each process serves its metrics on a port of its own.
            info.ArgumentList.Add($"--vvp:metrics:url=http://127.0.0.1:{FreePort()}");
        }

        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }

        info.Environment["KUBERNETES_SERVICE_HOST"] = null;
        return Process.Start(info)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(HttpStatusCode Status, string Body)> Get(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, "");
        }
    }

    // The sum of a family's samples whose labels contain every one of `labels` (as written in the scrape).
    private static double Sum((HttpStatusCode Status, string Body) metrics, string name, string labels = "") =>
        metrics.Body.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(l => labels.Length == 0 || labels.Split(',').All(p => l.Contains(p, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The local operator with the probes and the metrics each on a free port, and a client for each.</summary>
    private sealed record LocalWithPorts(Process Process, HttpClient Probes, HttpClient Metrics) : IDisposable
    {
        /// <summary>
        /// Starts the local operator and waits until it is ready. A free port can be taken by another test's listener
        /// between the check and the operator's bind; that start (exit 1, "address already in use") is retried with new
        /// ports. Any other exit fails at once with what the process wrote.
        /// </summary>
        public static async Task<LocalWithPorts> StartReadyAsync()
        {
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var metricsPort = FreePort();
                var process = StartLocal("--urls", $"http://127.0.0.1:{port}", $"--vvp:metrics:url=http://127.0.0.1:{metricsPort}");
                var local = new LocalWithPorts(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") }, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}/") });
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while ((await Get(local.Probes, "readyz")).Status != HttpStatusCode.OK)
                {
                    if (process.HasExited)
                    {
                        var error = await process.StandardError.ReadToEndAsync();
                        var output = await process.StandardOutput.ReadToEndAsync();
                        local.Dispose();
                        if (attempt < 3 && process.ExitCode == 1 && error.Contains("address already in use", StringComparison.Ordinal))
                        {
                            break;
                        }

                        throw new InvalidOperationException($"vvp-operator-local exited with code {process.ExitCode} before it was ready:\n{error}\n{output}");
                    }

                    if (DateTime.UtcNow > deadline)
                    {
                        process.Kill();
                        await process.WaitForExitAsync();
                        var written = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
                        local.Dispose();
                        throw new TimeoutException($"Timed out waiting until the operator is ready; it wrote:\n{written}");
                    }

                    await Task.Delay(100);
                }

                if (!process.HasExited)
                {
                    return local;
                }
            }
        }

        public void Dispose()
        {
            Probes.Dispose();
            Metrics.Dispose();
            Process.Dispose();
        }
    }
}

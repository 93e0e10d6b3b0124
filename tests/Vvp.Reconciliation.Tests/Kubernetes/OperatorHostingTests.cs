using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Hosting;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

public sealed class OperatorHostingTests
{
    [Fact]
    public void Options_bind_from_the_documentation_names()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["vvp:k8sOperator:enabled"] = "true",
            ["vvp:k8sOperator:identity"] = "vvp-2",
            ["vvp:k8sOperator:watchedNamespaces:0"] = "jobs",
            ["vvp:k8sOperator:watchedNamespaces:1"] = "more-jobs",
            ["vvp:k8sOperator:deletionPolicy"] = "delete",
            ["vvp:k8sOperator:resyncPeriod"] = "90",
            ["vvp:k8sOperator:workers"] = "8",
            ["vvp:k8sOperator:leaseDuration"] = "00:00:20",
        });

        options.Identity.Should().Be("vvp-2");
        options.WatchedNamespaces.Should().Equal("jobs", "more-jobs");
        options.DeletionPolicy.Should().Be(DeletionPolicy.Delete);
        options.ResyncPeriod.Should().Be(TimeSpan.FromSeconds(90));
        options.Workers.Should().Be(8);
        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(null, PlatformNamespaceListing.Auto)]
    [InlineData("auto", PlatformNamespaceListing.Auto)]
    [InlineData("Auto", PlatformNamespaceListing.Auto)]
    [InlineData("true", PlatformNamespaceListing.Always)]
    [InlineData("False", PlatformNamespaceListing.Never)]
    public void ListPlatformNamespaces_binds_auto_or_a_boolean(string? value, PlatformNamespaceListing expected)
    {
        var settings = new Dictionary<string, string?> { ["vvp:k8sOperator:watchedNamespaces:0"] = "jobs" };
        if (value is not null)
        {
            settings["vvp:k8sOperator:listPlatformNamespaces"] = value;
        }

        Bind(settings).PlatformNamespaceListing.Should().Be(expected);
    }

    [Fact]
    public void The_boolean_ListPlatformNamespaces_of_earlier_releases_still_reads_and_sets_the_listing()
    {
#pragma warning disable CS0618 // the obsolete property is what is tested
        var options = new VvpOperatorOptions();
        options.ListPlatformNamespaces.Should().BeFalse("the default, auto, is not Always");
        options.ListPlatformNamespaces = true;
        options.PlatformNamespaceListing.Should().Be(PlatformNamespaceListing.Always);
        options.ListPlatformNamespaces.Should().BeTrue();
        options.ListPlatformNamespaces = false;
        options.PlatformNamespaceListing.Should().Be(PlatformNamespaceListing.Never);
#pragma warning restore CS0618
        options.PlatformNamespaceListing = (PlatformNamespaceListing)7;
        options.Problems().Should().Contain("vvp.k8sOperator.listPlatformNamespaces must be auto, true or false (it is 7).");
    }

    [Theory]
    [InlineData("vvp:k8sOperator:deletionPolicy", "Delet", "vvp:k8sOperator:deletionPolicy = 'Delet' is not one of Orphan, Cancel, Delete")]
    [InlineData("vvp:k8sOperator:watchedNamespace", "jobs", "vvp:k8sOperator:watchedNamespace is not a setting of the operator")]
    [InlineData("vvp:k8sOperator:workers", "many", "vvp:k8sOperator:workers = 'many' is not a whole number")]
    [InlineData("vvp:k8sOperator:listPlatformNamespaces", "sometimes", "vvp:k8sOperator:listPlatformNamespaces = 'sometimes' is not auto, true or false")]
    [InlineData("vvp:k8sOperator:identity", "VVP 1", "identity 'VVP 1' must be a DNS-1123 label")]
    public void A_wrong_setting_fails_the_start_naming_it(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["vvp:k8sOperator:watchedNamespaces:0"] = "jobs", [key] = value };

        var bind = () => Bind(settings);

        bind.Should().Throw<Exception>().Where(e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_namespace_held_by_another_identity_stops_the_host_with_the_failure()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Create(ApiResource.ConfigMaps, OperatorSession.Namespace, new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "ververica-operator-leader-election" },
            ["data"] = new System.Text.Json.Nodes.JsonObject { ["identity"] = "vvp-other" },
        });
        using var host = Host(session, new Dictionary<string, string?> { ["vvp:k8sOperator:identity"] = "vvp-1", ["vvp:k8sOperator:watchedNamespaces"] = "jobs" });
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        await host.StartAsync();
        await OperatorSession.Eventually(() => stopping.IsCancellationRequested, "the host stops");

        var service = host.Services.GetRequiredService<VvpOperatorService>();
        service.Refusal!.Holders["jobs"].Should().Be("vvp-other");
        service.ExecuteTask!.IsFaulted.Should().BeFalse("the refusal stops the application without the host's BackgroundService failure and its stack trace");
        await host.StopAsync();
    }

    [Fact]
    public async Task A_disabled_operator_makes_no_Kubernetes_call()
    {
        await using var session = await OperatorSession.StartAsync();
        using var host = Host(session, new Dictionary<string, string?> { ["vvp:k8sOperator:enabled"] = "false" });

        await host.StartAsync();
        var service = host.Services.GetRequiredService<VvpOperatorService>();
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));   // the positive control: the service ran, and finished
        await host.StopAsync();

        service.Controller.Should().BeNull();
        session.Api.Calls.Should().BeEmpty();
    }

    [Fact]
    public void The_operator_runs_the_reconciler_AddVvpReconciliation_registers_with_its_settings_its_clock_and_its_Secret_cache()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["vvp:k8sOperator:identity"] = "vvp-7",
            ["vvp:k8sOperator:watchedNamespaces"] = "jobs",
            ["vvp:k8sOperator:markerPrefix"] = "example.com/",
            ["vvp:k8sOperator:transitioningRequeue"] = "3",
        }).Build();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IPlatformClient>(new Vvp.Reconciliation.Testing.InMemoryPlatform());
        services.AddVvpOperator(configuration.GetSection("vvp:k8sOperator"));
        using var provider = services.BuildServiceProvider();

        var operatorOptions = provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value;
        var reconcilerOptions = provider.GetRequiredService<IOptions<Vvp.Reconciliation.Reconciling.ReconcilerOptions>>().Value;
        var reconciler = provider.GetRequiredService<Vvp.Reconciliation.Reconciling.VvpDeploymentReconciler>();

        reconcilerOptions.Should().BeSameAs(operatorOptions.Reconciler, "one copy of each setting");
        reconcilerOptions.TransitioningRequeue.Should().Be(TimeSpan.FromSeconds(3));
        reconciler.Planner.Options.Identity.Should().Be("vvp-7");
        reconciler.Planner.Options.OwnerAnnotation.Should().Be("example.com/owner");
        reconciler.Planner.Options.TimeProvider.Should().BeSameAs(clock, "the clock registered with the host");
        provider.GetRequiredService<ISecretReader>().Should().BeOfType<SecretCache>("CRs' tokens come from the operator's Secret informers");
    }

    private static VvpOperatorOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddVvpOperator(configuration.GetSection("vvp:k8sOperator"));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value;
    }

    private static IHost Host(OperatorSession session, Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-kubeconfig-{Guid.NewGuid():N}.yaml");
        session.Api.WriteKubeconfig(kubeconfig);
        builder.Services.AddSingleton(new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));
        File.Delete(kubeconfig);
        builder.Services.AddSingleton<IPlatformClient>(session.Platform);
        builder.Services.AddVvpOperator(builder.Configuration.GetSection("vvp:k8sOperator"));
        return builder.Build();
    }
}

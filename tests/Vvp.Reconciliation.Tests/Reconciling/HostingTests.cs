using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Reconciling;

public sealed class HostingTests
{
    [Fact]
    public void AddVvpReconciliation_registers_a_reconciler_with_validated_options()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IPlatformClient>(new InMemoryPlatform());
        services.AddVvpReconciliation(o =>
        {
            o.Identity = "vvp-3";
            o.WatchedNamespaces.Add("jobs");
        });
        using var provider = services.BuildServiceProvider();

        var reconciler = provider.GetRequiredService<VvpDeploymentReconciler>();

        reconciler.IsWatched("jobs").Should().BeTrue();
        reconciler.Planner.Options.Identity.Should().Be("vvp-3");
    }

    [Fact]
    public void Options_bind_from_configuration_under_their_own_names()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vvp:Reconciliation:Identity"] = "vvp-9",
            ["Vvp:Reconciliation:WatchedNamespaces:0"] = "jobs",
            ["Vvp:Reconciliation:WatchedNamespaces:1"] = "batch",
            ["Vvp:Reconciliation:deletionPolicy"] = "delete",
            ["Vvp:Reconciliation:ReconcileTimeout"] = "00:00:45",
            ["Vvp:Reconciliation:TransientRetryDelay"] = "0.5",
            ["Vvp:Platform:BaseAddress"] = "https://vvp.example.com/",
            ["Vvp:Platform:CheckPlatformVersion"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(configuration.GetSection("Vvp:Platform"));
        services.AddVvpReconciliation(configuration.GetSection("Vvp:Reconciliation"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ReconcilerOptions>>().Value;
        var platform = provider.GetRequiredService<IOptions<Vvp.Reconciliation.Http.VvpPlatformClientOptions>>().Value;

        options.Identity.Should().Be("vvp-9");
        options.WatchedNamespaces.Should().Equal("jobs", "batch");
        options.DeletionPolicy.Should().Be(DeletionPolicy.Delete);
        options.ReconcileTimeout.Should().Be(TimeSpan.FromSeconds(45));
        options.TransientRetryDelay.Should().Be(TimeSpan.FromMilliseconds(500));
        platform.BaseAddress.Should().Be(new Uri("https://vvp.example.com/"));
        platform.CheckPlatformVersion.Should().BeFalse();
        provider.GetRequiredService<IPlatformClient>().Should().BeSameAs(provider.GetRequiredService<IPlatformClient>(), "one long-lived adapter over the factory's rotating handlers");
    }

    [Theory]
    [InlineData("DeletionPolicy", "Delet", "is not one of Orphan, Cancel, Delete")]
    [InlineData("DeletionPolicy", "7", "is not one of")]
    [InlineData("Identiy", "vvp-1", "Vvp:Reconciliation:Identiy is not a setting")]
    [InlineData("AuthenticationRequired", "yes please", "is not true or false")]
    [InlineData("ReconcileTimeout", "soon", "is not a duration")]
    public void A_misspelt_key_or_a_value_of_the_wrong_form_is_an_error_naming_it(string key, string value, string message)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vvp:Reconciliation:WatchedNamespaces"] = "jobs",
            ["Vvp:Reconciliation:" + key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IPlatformClient>(new InMemoryPlatform());
        services.AddVvpReconciliation(configuration.GetSection("Vvp:Reconciliation"));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ReconcilerOptions>>().Value;

        act.Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Every_key_that_cannot_be_bound_is_named_in_one_error()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vvp:Reconciliation:WatchedNamespaces"] = "jobs",
            ["Vvp:Reconciliation:Identiy"] = "vvp-1",
            ["Vvp:Reconciliation:ReconcileTimeout"] = "soon",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IPlatformClient>(new InMemoryPlatform());
        services.AddVvpReconciliation(configuration.GetSection("Vvp:Reconciliation"));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ReconcilerOptions>>().Value;

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("Vvp:Reconciliation:Identiy is not a setting").And.Contain("Vvp:Reconciliation:ReconcileTimeout = 'soon' is not a duration");
    }

    [Fact]
    public void Invalid_options_are_refused_with_a_clear_message()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IPlatformClient>(new InMemoryPlatform());
        services.AddVvpReconciliation(o => o.Identity = "vvp-3");
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ReconcilerOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*WatchedNamespaces*");
    }

    [Theory]
    [InlineData("", "jobs", "Identity")]
    [InlineData("vvp-1", "", "WatchedNamespaces")]
    [InlineData("vvp-1", "Jobs_1", "not a Kubernetes namespace name")]
    [InlineData("vvp-1", "jobs,jobs", "twice")]
    public void Reconciler_options_say_what_is_wrong(string identity, string namespaces, string message)
    {
        var options = new ReconcilerOptions { Identity = identity };
        foreach (var ns in namespaces.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            options.WatchedNamespaces.Add(ns);
        }

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }
}

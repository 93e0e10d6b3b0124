using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    [Fact]
    public void The_namespace_lock_lets_one_identity_watch_a_namespace()
    {
        NamespaceLock.Decide("jobs", null, "vvp-1").Should().Be(new NamespaceLockDecision(true, true, NamespaceLock.Decide("jobs", null, "vvp-1").Message));
        NamespaceLock.Decide("jobs", "vvp-1", "vvp-1").MayWatch.Should().BeTrue();
        var conflict = NamespaceLock.Decide("jobs", "vvp-2", "vvp-1");
        conflict.MayWatch.Should().BeFalse();
        conflict.Message.Should().Contain("vvp-2").And.Contain(NamespaceLock.ConfigMapName);
    }
}

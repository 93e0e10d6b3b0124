using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Tests.Packaging;

/// <summary>The runtime settings the operator and the tool are built with, read from the runtime configuration each ships.</summary>
public sealed class RuntimeConfigurationTests
{
    [Fact]
    public void The_operator_blocks_idle_thread_pool_threads_at_once_tiers_without_profiles_and_carries_no_culture_data()
    {
        var properties = ConfigProperties("vvp-operator");

        properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>().Should().Be(0);
        properties["System.Runtime.TieredPGO"]!.GetValue<bool>().Should().BeFalse();
        properties["System.Globalization.Invariant"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public void The_tool_carries_no_culture_data()
    {
        var properties = ConfigProperties("vvp-reconcile");

        properties["System.Globalization.Invariant"]!.GetValue<bool>().Should().BeTrue();
        properties.ContainsKey("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").Should().BeFalse("the tool's work is one plan, not a service's");
        properties.ContainsKey("System.Runtime.TieredPGO").Should().BeFalse("the tool runs with the runtime's default tiering");
    }

    // The runtime configuration of an application the tests reference, copied beside the tests' own.
    private static JsonObject ConfigProperties(string application)
    {
        var file = Path.Combine(AppContext.BaseDirectory, $"{application}.runtimeconfig.json");
        File.Exists(file).Should().BeTrue($"{file} is built with the application");
        return JsonNode.Parse(File.ReadAllText(file))!["runtimeOptions"]!["configProperties"]!.AsObject();
    }
}

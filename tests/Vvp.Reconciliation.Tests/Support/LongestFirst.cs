using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Vvp.Reconciliation.Tests.Support.LongestFirst", "Vvp.Reconciliation.Tests")]

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Starts the test classes whose tests take longest in sequence first (longest processing time first): with four
/// classes at a time (xunit.runner.json), a class of minutes that began last would set the run's end. The list is from
/// CI's TRX durations; every other class keeps xUnit's order after them. Classes that must run alone still run after
/// the parallel ones.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private static readonly string[] Longest =
    [
        "Documentation.DocumentationShellTests",
        "Kubernetes.ImageRecipeTests",
        "Packaging.PackageMetadataTests",
        "Documentation.DocumentationShellDocsTests",
        "Kubernetes.GitOpsEndToEndTests",
        "Documentation.DocumentationExamplesTests",
        "Security.StressTests",
        "Kubernetes.OutageEndToEndTests",
    ];

    /// <inheritdoc />
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.Select((collection, index) => (collection, index))
            .OrderBy(c => Rank(c.collection))
            .ThenBy(c => c.index)
            .Select(c => c.collection);

    private static int Rank(ITestCollection collection)
    {
        for (var i = 0; i < Longest.Length; i++)
        {
            if (collection.DisplayName.EndsWith("." + Longest[i], StringComparison.Ordinal))
            {
                return i;
            }
        }

        return Longest.Length;
    }
}

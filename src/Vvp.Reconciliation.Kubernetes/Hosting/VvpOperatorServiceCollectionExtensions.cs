using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Configuration;
using Vvp.Reconciliation.DependencyInjection;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Hosting;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using static Vvp.Reconciliation.Configuration.ConfigurationValues;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kubernetes operator.</summary>
public static class VvpOperatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the operator as a hosted service (<see cref="VvpOperatorService"/>), on the reconciler that
    /// <c>AddVvpReconciliation</c> registers: its options are the operator's <see cref="VvpOperatorOptions.Reconciler"/>,
    /// its Secrets come from the operator's Secret informers, its clock is the registered <see cref="TimeProvider"/>.
    /// The host must register an <c>IPlatformClient</c> (e.g. with <c>AddVvpPlatformClient</c>); a <c>k8s.Kubernetes</c>
    /// client is optional. The options are validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddVvpOperator(this IServiceCollection services, Action<VvpOperatorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        // A disabled operator runs nothing, so nothing of it is checked.
        services.AddSelfValidatingOptions<VvpOperatorOptions>(configure, options => options.Enabled ? options.Problems() : []);
        // The reconciler's options are held by the operator's, and checked with them (by their configuration keys).
        services.AddSingleton<IOptions<ReconcilerOptions>>(provider => Options.Options.Create(provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value.Reconciler));
        services.AddSingleton<SecretCache>();
        services.Replace(ServiceDescriptor.Singleton<ISecretReader>(provider => provider.GetRequiredService<SecretCache>()));
        services.AddVvpReconciliation();
        services.AddSingleton(provider => new VvpOperatorService(
            provider.GetRequiredService<IOptions<VvpOperatorOptions>>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<k8s.Kubernetes>(),
            provider));
        services.AddHostedService(provider => provider.GetRequiredService<VvpOperatorService>());
        return services;
    }

    /// <summary>
    /// Adds the operator with options bound from a configuration section under the documentation's names, e.g.
    /// <c>vvp:k8sOperator</c> with <c>enabled</c>, <c>identity</c> and <c>watchedNamespaces</c> (a list, or a
    /// comma-separated string), and the controller's settings (<c>resyncPeriod</c>, <c>workers</c>, <c>deletionPolicy</c>,
    /// <c>authenticationRequired</c>, <c>leaseDuration</c>, …; durations in seconds or <c>hh:mm:ss</c>). An unknown
    /// key or a value of the wrong kind (a misspelt deletion policy) fails the start with a message naming it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("vvp:k8sOperator")</c>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddVvpOperator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddVvpOperator(options => Bind(configuration, options));
    }

    // Every key is read; the keys that cannot be are all named in one error.
    private static void Bind(IConfiguration section, VvpOperatorOptions options) => BindEach(section, child => BindOne(child, options));

    private static void BindOne(IConfigurationSection child, VvpOperatorOptions options)
    {
        if (!TryBind(OperatorSettings, child, options) && !ReconcilerBinding.TryBind(child, options.Reconciler))
        {
            throw new ArgumentException($"Configuration {child.Path} is not a setting of the operator; the settings are {string.Join(", ", Names)}.");
        }
    }

    // Each setting of the controller once: its key, as the documentation writes it, and how its value is read. The
    // reconciler's keys, under the same section, are bound by the reconciler's own binding.
    private static readonly (string Name, Action<IConfigurationSection, VvpOperatorOptions> Bind)[] OperatorSettings =
    [
        ("enabled", (c, o) => o.Enabled = Boolean(c)),
        ("resyncPeriod", (c, o) => o.ResyncPeriod = Duration(c)),
        ("workers", (c, o) => o.Workers = Int(c)),
        ("listPlatformNamespaces", (c, o) => o.PlatformNamespaceListing = Listing(c)),
        ("holderIdentity", (c, o) => o.HolderIdentity = c.Value ?? string.Empty),
        ("leaseNamespace", (c, o) => o.LeaseNamespace = c.Value),
        ("leaseDuration", (c, o) => o.LeaseDuration = Duration(c)),
        ("renewDeadline", (c, o) => o.RenewDeadline = Duration(c)),
        ("retryPeriod", (c, o) => o.RetryPeriod = Duration(c)),
        ("shutdownGrace", (c, o) => o.ShutdownGrace = Duration(c)),
        ("kubernetesCallTimeout", (c, o) => o.KubernetesCallTimeout = Duration(c)),
        ("watchTimeout", (c, o) => o.WatchTimeout = Duration(c)),
        ("retryBaseDelay", (c, o) => o.RetryBaseDelay = Duration(c)),
        ("retryMaxDelay", (c, o) => o.RetryMaxDelay = Duration(c)),
        ("eventBurst", (c, o) => o.EventBurst = Int(c)),
        ("eventRefill", (c, o) => o.EventRefill = Duration(c)),
    ];

    // listPlatformNamespaces: auto, or a boolean (true lists always, false never).
    private static PlatformNamespaceListing Listing(IConfigurationSection child) =>
        string.Equals(child.Value, "auto", StringComparison.OrdinalIgnoreCase) ? PlatformNamespaceListing.Auto
        : bool.TryParse(child.Value, out var list) ? (list ? PlatformNamespaceListing.Always : PlatformNamespaceListing.Never)
        : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not auto, true or false.");

    /// <summary>Every key of <c>vvp:k8sOperator</c>: the controller's and the reconciler's.</summary>
    internal static IReadOnlyList<string> Names { get; } = [OperatorSettings[0].Name, .. ReconcilerBinding.Names, .. OperatorSettings.Skip(1).Select(s => s.Name)];
}

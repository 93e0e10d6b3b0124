using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Vvp.Reconciliation.DependencyInjection;

/// <summary>Registers options checked at start, every problem reported at once by its configuration key. Compiled into each package that registers options.</summary>
internal static class OptionsValidation
{
    public static void AddSelfValidatingOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
        this IServiceCollection services, Action<T> configure, Func<T, IReadOnlyList<string>> problems)
        where T : class
    {
        services.AddOptions<T>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(problems));
    }

    private sealed class Validator<T>(Func<T, IReadOnlyList<string>> problems) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options);
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}

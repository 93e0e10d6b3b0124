using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Vvp.Reconciliation.DependencyInjection;

/// <summary>Registers options whose own <c>Validate()</c> method (throwing <see cref="ArgumentException"/>) is checked at start, with its message.</summary>
internal static class OptionsValidation
{
    public static void AddSelfValidatingOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
        this IServiceCollection services, Action<T> configure, Action<T> validate)
        where T : class
    {
        services.AddOptions<T>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(validate));
    }

    private sealed class Validator<T>(Action<T> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            try
            {
                validate(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}

import {
  createErrorHandler,
  getDefaultFormState,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
  type CustomValidator,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
} from '@rjsf/utils';
import { checkSchema } from './json-schema';

type Data = Record<string, unknown>;

function toValidationErrors(schema: RJSFSchema, formData: unknown): RJSFValidationError[] {
  return checkSchema(schema as Record<string, unknown>, formData).map((issue) => {
    const property = issue.path.length ? `.${issue.path.join('.')}` : '';
    return { name: issue.keyword, property, message: issue.message, stack: `${property.slice(1) || 'value'} ${issue.message}`.trim(), params: {} };
  });
}

/**
 * The forms' validator: `checkSchema` behind rjsf's ValidatorType interface. Used in place of
 * @rjsf/validator-ajv8, whose Ajv compiles schemas with `new Function`, which the console's content
 * security policy (no 'unsafe-eval') forbids.
 */
export const schemaValidator: ValidatorType<Data, RJSFSchema> = {
  validateFormData(
    formData: Data | undefined,
    schema: RJSFSchema,
    customValidate?: CustomValidator<Data, RJSFSchema>,
    transformErrors?: ErrorTransformer<Data, RJSFSchema>,
    uiSchema?: UiSchema<Data, RJSFSchema>,
  ): ValidationData<Data> {
    let errors = toValidationErrors(schema, formData);
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const errorSchema = toErrorSchema<Data>(errors);
    if (!customValidate) return { errors, errorSchema };
    const withDefaults = getDefaultFormState<Data, RJSFSchema>(schemaValidator, schema, formData, schema, true) as Data;
    const handler = customValidate(withDefaults, createErrorHandler<Data>(withDefaults), uiSchema, errorSchema);
    return validationDataMerge<Data>({ errors, errorSchema }, unwrapErrorHandler<Data>(handler));
  },
  isValid(schema: RJSFSchema, formData: Data | undefined): boolean {
    try {
      return checkSchema(schema as Record<string, unknown>, formData).length === 0;
    } catch {
      return false;
    }
  },
  rawValidation<Result = unknown>(schema: RJSFSchema, formData?: Data): { errors?: Result[]; validationError?: Error } {
    return { errors: checkSchema(schema as Record<string, unknown>, formData) as Result[] };
  },
};

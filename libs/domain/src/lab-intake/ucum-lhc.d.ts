/** The part of @lhncbc/ucum-lhc (the U.S. National Library of Medicine's UCUM library) the lab intake uses; the package ships no types. */
declare module '@lhncbc/ucum-lhc' {
  interface ConvertResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }
  interface ValidateResult {
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    msg: string[];
  }
  export const UcumLhcUtils: {
    getInstance(): {
      convertUnitTo(fromUnit: string, fromValue: number, toUnit: string, options?: { molecularWeight?: number }): ConvertResult;
      validateUnitString(unit: string, suggest?: boolean): ValidateResult;
    };
  };
}
